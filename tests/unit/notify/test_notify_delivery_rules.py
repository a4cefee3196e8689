"""Pure delivery rules and event → notice planning (no Kafka, no database)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notify.channels import DeliveryOutcome
from services.notify.delivery import RetryPolicy, decide
from services.notify.directory import Person
from services.notify.messages import MeasureKind, NoticeKind
from services.notify.planning import (
    KnownMeasure, MeasureChange, appeal_notice, deadline_notice, supervision_closed, measure_change, measure_kind, measure_notice,
    withdrawal_notice,
)
from services.notify.routing import QuietHours, Role
from shared.messaging.errors import Rejected
from tests.integration.notify import events as ev

SH = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(22), time(7), SH)
POLICY = RetryPolicy(max_attempts=3, backoff_s=10, backoff_max_s=15)
NOON = datetime(2026, 5, 12, 12, 0, tzinfo=SH)


def test_backoff_doubles_and_is_capped_then_the_failure_is_final() -> None:
    kw = dict(now=NOON, policy=POLICY, channel="email", urgent=False, quiet_hours=NIGHT)
    assert decide(DeliveryOutcome.TRANSIENT_FAILURE, attempts=1, **kw).retry_at == NOON + timedelta(seconds=10)
    assert decide(DeliveryOutcome.TRANSIENT_FAILURE, attempts=2, **kw).retry_at == NOON + timedelta(seconds=15)
    last = decide(DeliveryOutcome.TRANSIENT_FAILURE, attempts=3, **kw)
    assert (last.status, last.permanent) == ("failed", False)
    assert decide(DeliveryOutcome.PERMANENT_FAILURE, attempts=1, **kw).permanent is True
    assert decide(DeliveryOutcome.SENT, attempts=1, **kw).status == "sent"


def test_an_sms_retry_does_not_land_in_quiet_hours_unless_urgent() -> None:
    late = datetime(2026, 5, 12, 21, 59, 55, tzinfo=SH)
    kw = dict(attempts=1, now=late, policy=POLICY, quiet_hours=NIGHT)
    held = decide(DeliveryOutcome.TRANSIENT_FAILURE, channel="sms", urgent=False, **kw)
    assert held.retry_at == datetime(2026, 5, 13, 7, 0, tzinfo=SH)
    urgent = decide(DeliveryOutcome.TRANSIENT_FAILURE, channel="sms", urgent=True, **kw)
    assert urgent.retry_at == late + timedelta(seconds=10)


def test_measure_codes_map_to_the_notice_wording() -> None:
    assert measure_kind("public_criticism") is MeasureKind.CIRCULATED_CRITICISM
    assert measure_kind("demotion") is MeasureKind.DISCIPLINARY_REFERRAL
    with pytest.raises(Rejected):
        measure_kind("flogging")


def test_a_deadline_without_a_handler_does_not_report_a_missing_handler() -> None:
    liaison = Person("L1", "刘联络", "JYJ", "13800000001")
    event = ev.warned("R-1", handler_id=None, kind="campaign_report").parsed()
    req = deadline_notice(event, "县教育局", {Role.UNIT_LIAISON: [liaison], Role.HANDLER: []})
    assert req.kind is NoticeKind.DEADLINE_WARNING and Role.HANDLER in req.not_applicable
    assert req.addressees[0].context.item_title == "效能建设活动报告报送"


def test_a_unit_measure_goes_to_its_liaison_and_a_supervision_order_states_its_days() -> None:
    liaison = Person("L1", "刘联络", "JYJ", "13800000001")
    event = ev.measure("MS-9", "supervision", "督办", None, working_days=10).parsed()
    req = measure_notice(event, "县教育局", None, {Role.UNIT_LIAISON: [liaison]})
    assert req.kind is NoticeKind.SUPERVISION_ORDERED
    concerned = [a for a in req.addressees if a.role is Role.PERSON_CONCERNED]
    assert [a.person.person_id for a in concerned] == ["L1"]
    assert concerned[0].context.rectification_working_days == 10
    assert concerned[0].context.person_name == "县教育局"


def _decided(code: str = "admonition", person_id: str | None = "H1", **revision):
    return ev.measure("MS-1", code, "效能告诫", person_id, **revision).parsed()


def _known(code: str, revision: int = 0, superseded: bool = False) -> KnownMeasure:
    return KnownMeasure(code, revision, superseded)


# Accountability publishes a measure only when what was told changes (code, points, rule, 从重)
# or it is withdrawn; a freeze or a ruling alone publishes nothing (reconcile.outcome).
@pytest.mark.parametrize(("revision", "previous", "expected"), [
    ({}, None, MeasureChange.DECIDED),
    ({"revision": 1}, _known("reminder"), MeasureChange.REVISED),     # recount: 提醒 → 效能告诫
    ({"revision": 1}, _known("admonition"), MeasureChange.REVISED),   # same rung, 从重 corrected
    ({"revision": 2}, None, MeasureChange.REVISED),                   # never seen: told as changed
    # Recounted while its appeal is pending: the change is news, the freeze is not.
    ({"revision": 1, "status": "frozen"}, _known("reminder"), MeasureChange.REVISED),
    ({"revision": 1, "superseded": True}, _known("admonition"), MeasureChange.WITHDRAWN),
    ({"revision": 1, "superseded": True}, None, None),                # never announced here
    ({"revision": 3, "superseded": True}, _known("admonition", 2, True), None),  # already told
    # Withdrawn, then decided again (the count it rests on came back): a new decision.
    ({"revision": 2}, _known("admonition", 1, True), MeasureChange.DECIDED),
    ({"revision": 1, "status": "revoked"}, _known("admonition"), None),   # appeal.ruled told it
    ({"revision": 2, "status": "revoked", "superseded": True}, _known("admonition", 1), None),
    ({"revision": 1, "appeal_ruling": "reduced"}, _known("public_criticism"), None),
    # A later recount of a measure once reduced on appeal is news again.
    ({"revision": 2, "appeal_ruling": "reduced"}, _known("admonition", 1), MeasureChange.REVISED),
    ({"revision": 1, "appeal_ruling": "upheld"}, _known("reminder"), MeasureChange.REVISED),
])
def test_which_revisions_are_told_and_how(revision, previous, expected) -> None:
    assert measure_change(_decided(**revision), previous) is expected


def test_a_revised_measure_says_what_it_replaces() -> None:
    handler = Person("H1", "韩承办", "JYJ", "13800000002")
    req = measure_notice(_decided(revision=1), "县教育局", handler, {}, revised=True,
                         previous_code="reminder")
    ctx = req.addressees[0].context
    assert req.kind is NoticeKind.MEASURE_DECIDED
    assert ctx.revised and ctx.previous_measure is MeasureKind.REMINDER and ctx.measure_changed
    assert ctx.score_deduction is None  # the score is recounted as a whole, not deducted again
    first = measure_notice(_decided(), "县教育局", handler, {}).addressees[0].context
    assert not first.revised and first.previous_measure is None and first.score_deduction == 3


def test_a_withdrawn_measure_reaches_the_liaison_only_where_the_unit_was_told() -> None:
    liaison = Person("L1", "刘联络", "JYJ", "13800000001")
    handler = Person("H1", "韩承办", "JYJ", "13800000002")
    leader = Person("D1", "邓局长", "JYJ", "13800000003")
    roles = {Role.UNIT_LIAISON: [liaison], Role.UNIT_LEADER: [leader]}
    gone = _decided(revision=1, superseded=True)
    req = withdrawal_notice(gone, "县教育局", handler, roles)
    assert req.kind is NoticeKind.MEASURE_WITHDRAWN
    assert {(a.role, a.person.person_id) for a in req.addressees} == {
        (Role.PERSON_CONCERNED, "H1"), (Role.UNIT_LEADER, "D1")}
    assert req.not_applicable == {Role.UNIT_LIAISON}  # not a missing contact: not told before
    order = ev.measure("MS-2", "supervision", "督办", None, working_days=10, revision=1,
                       superseded=True).parsed()
    req = withdrawal_notice(order, "县教育局", None, roles)
    assert {(a.role, a.person.person_id) for a in req.addressees} == {
        (Role.UNIT_LIAISON, "L1"), (Role.PERSON_CONCERNED, "L1"), (Role.UNIT_LEADER, "D1")}
    assert not req.not_applicable
    assert req.addressees[0].context.measure is MeasureKind.SUPERVISION


def test_the_liaison_hears_of_a_measure_only_when_it_replaces_a_supervision_order() -> None:
    liaison = Person("L1", "刘联络", "JYJ", "13800000001")
    handler = Person("H1", "韩承办", "JYJ", "13800000002")
    roles = {Role.UNIT_LIAISON: [liaison]}
    told = lambda req: {a.person.person_id for a in req.addressees}  # noqa: E731
    first = measure_notice(_decided(), "县教育局", handler, roles)
    assert told(first) == {"H1"} and first.not_applicable == {Role.UNIT_LIAISON}
    recount = measure_notice(_decided(revision=1), "县教育局", handler, roles, revised=True,
                             previous_code="reminder")
    assert told(recount) == {"H1"}
    escalated = measure_notice(_decided(revision=1), "县教育局", handler, roles, revised=True,
                               previous_code="supervision")
    assert told(escalated) == {"H1", "L1"} and not escalated.not_applicable
    assert escalated.addressees[0].context.previous_measure is MeasureKind.SUPERVISION


def test_the_unit_leader_hears_the_appeal_outcome_about_the_appellant() -> None:
    handler = Person("H1", "韩承办", "JYJ", "13800000002")
    leader = Person("D1", "邓局长", "JYJ", "13800000003")
    ruled = ev.appeal("MS-1").parsed()
    req = appeal_notice(ruled, "县教育局", "admonition", [handler], [leader], "韩承办")
    by_person = {a.person.person_id: (a.role, a.context) for a in req.addressees}
    assert by_person["H1"][0] is Role.APPELLANT and by_person["H1"][1].recipient_name is None
    role, ctx = by_person["D1"]
    assert role is Role.UNIT_LEADER
    assert (ctx.recipient_name, ctx.appellant_name) == ("邓局长", "韩承办")
    # A leader who lodged the appeal themselves is addressed as the appellant: their context is
    # the one enqueue keeps (the last given for a person).
    own = appeal_notice(ruled, "县教育局", "admonition", [leader], [leader], "邓局长")
    assert own.addressees[-1].role is Role.APPELLANT
    assert own.addressees[-1].context.recipient_name is None


def test_the_liaison_hears_an_appeal_ruling_only_where_a_supervision_order_is_involved() -> None:
    liaison = Person("L1", "刘联络", "JYJ", "13800000001")
    handler = Person("H1", "韩承办", "JYJ", "13800000002")
    revoked = ev.appeal("MS-1").parsed()
    plain = appeal_notice(revoked, "县教育局", "admonition", [handler], [], "韩承办", [liaison])
    assert {a.person.person_id for a in plain.addressees} == {"H1"}
    assert plain.not_applicable == {Role.UNIT_LIAISON}
    order = appeal_notice(revoked, "县教育局", "supervision", [handler], [], "韩承办", [liaison])
    assert {(a.role, a.person.person_id) for a in order.addressees} == {
        (Role.UNIT_LIAISON, "L1"), (Role.APPELLANT, "H1")}
    assert not order.not_applicable


def test_revision_wording_between_rungs_that_share_a_wording_and_within_one_order() -> None:
    handler = Person("H1", "韩承办", "JYJ", "13800000002")
    demerit = ev.measure("MS-1", "demerit", "记过", "H1", revision=1).parsed()
    ctx = measure_notice(demerit, "县教育局", handler, {}, revised=True,
                         previous_code="warning").addressees[0].context
    assert ctx.previous_measure is None and not ctx.measure_changed  # "原决定予以变更"
    same_order = ev.measure("MS-2", "supervision", "督办", None, working_days=10,
                            revision=1).parsed()
    ctx = measure_notice(same_order, "县教育局", None, {Role.UNIT_LIAISON: [handler]},
                         revised=True, previous_code="supervision").addressees[0].context
    assert ctx.rectification_continues
    new_order = measure_notice(same_order, "县教育局", None, {Role.UNIT_LIAISON: [handler]},
                               revised=True, previous_code="admonition").addressees[0].context
    assert not new_order.rectification_continues


def test_a_supervision_order_closes_with_its_lateness_only_when_late() -> None:
    liaison = Person("L1", "刘联络", "JYJ", "13800000001")
    on_time = supervision_closed(ev.met("MS-7", kind="rectification").parsed(), "县教育局",
                                 {Role.UNIT_LIAISON: [liaison]})
    assert on_time.kind is NoticeKind.SUPERVISION_CLOSED
    assert on_time.addressees[0].context.decision_ref == "MS-7"
    assert on_time.addressees[0].context.late_working_days is None
    late = supervision_closed(ev.met("MS-8", late_by=2, kind="rectification").parsed(),
                              "县教育局", {Role.UNIT_LIAISON: [liaison]})
    assert late.addressees[0].context.late_working_days == 2
