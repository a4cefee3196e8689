"""Events as the other services publish them, for notify's integration tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.envelope import Envelope, EventPayload
from shared.events.accountability import AppealRuled, BulletinPublished, MeasureDecided
from shared.events.complaints import Complainant, ComplaintConcluded, ComplaintFiled
from shared.events.deadlines import (
    DeadlineFacts, DeadlineMet, DeadlineMissed, DeadlineWarned, Responsible,
)
from shared.events.roster import PersonAppointed, PersonRegistered, UnitRegistered
from shared.events.vocab import ComplaintCategory, ComplaintChannel, Role, UnitKind

SH = ZoneInfo("Asia/Shanghai")
WHEN = datetime(2026, 5, 12, 9, 0, tzinfo=SH)

LIAISON = ("L1", "刘联络", "13800000001", "liaison@jyj.gov.cn")
HANDLER = ("H1", "韩承办", "13800000002", "handler@jyj.gov.cn")
LEADER = ("D1", "邓局长", "13800000003", "leader@jyj.gov.cn")


def wrap(payload: EventPayload, key: str, producer: str = "test", **kw) -> Envelope:
    return Envelope.wrap(payload, key=key, occurred_at=WHEN, producer=producer, **kw)


def roster(unit_id: str = "JYJ", unit_name: str = "县教育局",
           people=(LIAISON, HANDLER, LEADER), roles=("liaison", "handler", "leader"),
           since: date = date(2026, 1, 1)) -> list[Envelope]:
    out = [wrap(UnitRegistered(unit_id=unit_id, name=unit_name, kind=UnitKind.department),
                unit_id)]
    for (pid, name, phone, email), role in zip(people, roles, strict=True):
        out.append(wrap(PersonRegistered(person_id=pid, name=name, unit_id=unit_id, phone=phone,
                                         email=email), unit_id))
        out.append(wrap(PersonAppointed(person_id=pid, unit_id=unit_id, role=Role(role),
                                        effective_from=since), unit_id))
    return out


def facts(subject_id: str = "M-001", unit_id: str = "JYJ", handler_id: str | None = "H1",
          kind: str = "matter") -> DeadlineFacts:
    return DeadlineFacts(deadline_id=f"{kind}:{subject_id}", kind=kind, subject_type="matter",
                         subject_id=subject_id, unit_id=unit_id,
                         responsible=Responsible(handler_id=handler_id),
                         due_at=WHEN + timedelta(days=3), calendar_version="2026.1",
                         provisional=False)


def warned(subject_id: str = "M-001", **kw) -> Envelope:
    return wrap(DeadlineWarned(deadline=facts(subject_id, **kw), warning="75%",
                               remaining_working_days=2, warned_at=WHEN), subject_id,
                producer="deadlines", unit_id="JYJ")


def missed(subject_id: str = "M-001", **kw) -> Envelope:
    return wrap(DeadlineMissed(deadline=facts(subject_id, **kw), missed_at=WHEN), subject_id,
                producer="deadlines", unit_id="JYJ")


def met(subject_id: str = "M-001", late_by: int = 0, **kw) -> Envelope:
    return wrap(DeadlineMet(deadline=facts(subject_id, **kw), met_at=WHEN, late=late_by > 0,
                            lateness_working_days=late_by), subject_id,
                producer="deadlines", unit_id="JYJ")


def measure(measure_id: str, code: str, name: str, person_id: str | None,
            working_days: int | None = None, **revision) -> Envelope:
    """revision: MeasureDecided's revision fields (revision, superseded, status, appeal_ruling)."""
    return wrap(MeasureDecided(
        measure_id=measure_id, measure=code, measure_name=name, unit_id="JYJ",
        person_id=person_id, role="handler" if person_id else None, fault_ids=["F-1"],
        rule_id="R-DEADLINE-01", rulebook_version="2026.1", points=3,
        rectification_working_days=working_days,
        explanation="办件M-001超过承诺时限3个工作日未办结", decided_at=WHEN, **revision),
        measure_id, producer="accountability", unit_id="JYJ")


def appeal(measure_id: str, person_id: str = "H1") -> Envelope:
    return wrap(AppealRuled(appeal_id="SS-1", measure_id=measure_id, person_id=person_id,
                            unit_id="JYJ", decision="revoked", ruled_at=WHEN), measure_id,
                producer="accountability", unit_id="JYJ")


def bulletin() -> Envelope:
    return wrap(BulletinPublished(year=2026, month=4, text="四月份全县效能建设总体平稳。"),
                "bulletin-2026-04", producer="accountability")


def filed(complaint_id: str = "TS-1", phone: str | None = "13900000009",
          email: str | None = "citizen@example.com") -> Envelope:
    return wrap(ComplaintFiled(
        complaint_id=complaint_id, channel=ComplaintChannel.hotline_12345, filed_at=WHEN,
        complainant=Complainant(name="陈女士", phone=phone, email=email), target_unit_id="JYJ",
        against_leadership=False, category=ComplaintCategory.four_difficulties,
        description="窗口人员态度生硬", routed_to="JYJ", dispatched_at=WHEN), complaint_id,
        producer="intake", unit_id="JYJ")


def concluded(complaint_id: str = "TS-1", cause: Envelope | None = None) -> Envelope:
    return wrap(ComplaintConcluded(
        complaint_id=complaint_id, handling_unit_id="JYJ", target_unit_id="JYJ",
        concluded_at=WHEN, substantiated=True, findings="已责成当事人当面致歉",
        category=ComplaintCategory.four_difficulties), complaint_id, producer="intake",
        unit_id="JYJ", cause=cause)
