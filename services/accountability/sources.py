"""The boundary: canonical events from intake and deadlines → fault drafts (pure functions).

A draft is a fault before the roster fills in what the source did not name (the unit's liaison
answers when no handler is named) and before a recorded exemption applies. `subject_key` says
which lapse a draft is: one lapse is one fault however many events report it (see
docs/rulebook.md, "Fault sources")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.clock import local
from shared.events.cases import InspectionFindingRecorded, OneTimeNoticeBreached
from shared.events.complaints import ComplaintConcluded, ComplaintReturned
from shared.events.deadlines import DeadlineFacts, DeadlineMet, DeadlineMissed

from .domain import ExemptionReason, FaultKind, Role, Severity
from .wiring import WorkingDays

CATEGORY_ZH = {
    "four_difficulties": "四难", "three_arbitrary": "三乱", "bribery_obstruction": "吃拿卡要",
    "first_contact": "首问负责", "one_time_notice": "一次性告知", "time_limit": "限时办结",
    "duty": "政务值守", "execution": "执行落实", "work_style": "工作作风", "efficiency": "工作效率",
    "big_picture": "大局观念", "service_quality": "服务质量",
}
SEVERITY_ZH = {"general": Severity.GENERAL, "serious": Severity.SERIOUS, "grave": Severity.GRAVE}
EXEMPTION = {"falsified_material": ExemptionReason.APPLICANT_FALSIFIED,
             "force_majeure": ExemptionReason.FORCE_MAJEURE}
REPORT_ZH = {"implementation_plan": "实施方案", "self_check": "查摆问题情况",
             "problem_review": "查摆问题情况", "rectification_plan": "整改方案",
             "rectification_result": "整改结果及总结汇报材料", "summary": "整改结果及总结汇报材料"}
# Deadline kinds whose red card is a fault. appeal_window and complaint_return expire by closing
# a window (the right to appeal or to send back), which is nobody's fault.
FAULT_DEADLINES = {"matter", "campaign_report", "complaint_acceptance", "complaint_conclusion",
                   "rectification", "rectification_order"}
RETURN_WINDOW_WORKING_DAYS = 1  # 退单 only within 1 working day of dispatch


@dataclass(frozen=True)
class FaultDraft:
    kind: FaultKind
    subject_key: str  # one lapse → one key → one fault
    subject_id: str  # matter/complaint/finding/measure id; exemptions name it
    unit_id: str
    occurred_at: datetime
    category: str
    severity: Severity | None
    responsible: dict[Role, str]  # may lack the handler: the roster's liaison answers then
    evidence: tuple[str, ...] = ()
    working_days: dict[str, int] = field(default_factory=dict)
    calendar_version: str | None = None

    @property
    def occurred_on(self):
        return local(self.occurred_at).date()


def _responsible(**by_role: str | None) -> dict[Role, str]:
    return {Role(r): p for r, p in by_role.items() if p}


def _deadline_category(d: DeadlineFacts) -> str:
    if d.kind == "campaign_report":
        return next((zh for code, zh in REPORT_ZH.items() if d.subject_id.endswith(code)), "执行落实")
    if d.kind.startswith("rectification"):
        return "执行落实"  # a 督办 order not carried out
    return "限时办结"


def _deadline_draft(kind: FaultKind, d: DeadlineFacts, at: datetime, lateness: int | None,
                    version: str | None) -> FaultDraft:
    days = {"limit": d.allowed_working_days} if d.allowed_working_days else {}
    if lateness is not None:
        days["lateness"] = lateness
    return FaultDraft(
        kind=kind, subject_key=f"deadline:{d.deadline_id}", subject_id=d.subject_id,
        unit_id=d.unit_id, occurred_at=at, category=_deadline_category(d), severity=None,
        responsible=_responsible(handler=d.responsible.handler_id,
                                 reviewer=d.responsible.reviewer_id,
                                 approver=d.responsible.approver_id),
        working_days=days, calendar_version=version or d.calendar_version)


def from_deadline_missed(e: DeadlineMissed) -> FaultDraft | None:
    """Red card (红牌). Severity comes from the rule book's default: at the red card the lateness
    is not yet known, and the later completion does not re-grade the fault (see docs)."""
    if e.deadline.kind not in FAULT_DEADLINES:
        return None
    return _deadline_draft(FaultKind.DEADLINE_MISSED, e.deadline, e.deadline.due_at, None, None)


def from_deadline_met(e: DeadlineMet) -> FaultDraft | None:
    """A late completion. Same subject key as the red card of the same deadline: when the red
    card was recorded first, this adds no second fault for the one lapse."""
    if not e.late or e.deadline.kind not in FAULT_DEADLINES:
        return None
    return _deadline_draft(FaultKind.LATE_COMPLETION, e.deadline, e.met_at,
                           e.lateness_working_days, None)


def from_one_time_notice(e: OneTimeNoticeBreached) -> FaultDraft:
    # One breach per matter: a third request on the same matter is the same failure to list
    # everything at once, not a new one.
    return FaultDraft(
        kind=FaultKind.REPEAT_SUPPLEMENT_REQUEST, subject_key=f"one_time_notice:{e.matter_id}",
        subject_id=e.matter_id, unit_id=e.unit_id, occurred_at=e.requested_at,
        category="一次性告知", severity=None,
        responsible=_responsible(handler=e.handler_id, reviewer=e.reviewer_id,
                                 approver=e.approver_id),
        evidence=(e.first_request_event_id,), working_days={})


def from_complaint_concluded(e: ComplaintConcluded) -> FaultDraft | None:
    if not e.substantiated:
        return None
    return FaultDraft(
        kind=FaultKind.COMPLAINT_SUBSTANTIATED, subject_key=f"complaint:{e.complaint_id}",
        subject_id=e.complaint_id, unit_id=e.target_unit_id, occurred_at=e.concluded_at,
        category=CATEGORY_ZH[e.category.value], severity=SEVERITY_ZH[e.severity.value],
        responsible=_responsible(handler=e.responsible_person_id))


def from_complaint_returned(e: ComplaintReturned, cal: WorkingDays) -> FaultDraft | None:
    """退单 counted from dispatch (not from 签收): more than 1 working day later is a fault."""
    elapsed = cal.between(local(e.dispatched_at).date(), local(e.returned_at).date())
    if elapsed <= RETURN_WINDOW_WORKING_DAYS:
        return None
    return FaultDraft(
        kind=FaultKind.RETURN_OUT_OF_WINDOW, subject_key=f"return:{e.complaint_id}:{e.hop}",
        subject_id=e.complaint_id, unit_id=e.by_unit_id, occurred_at=e.returned_at,
        category="退单", severity=None, responsible={},
        working_days={"elapsed": elapsed, "limit": RETURN_WINDOW_WORKING_DAYS,
                      "lateness": elapsed - RETURN_WINDOW_WORKING_DAYS},
        calendar_version=cal.version)


def from_inspection(e: InspectionFindingRecorded) -> FaultDraft:
    return FaultDraft(
        kind=FaultKind.INSPECTION_FINDING, subject_key=f"finding:{e.finding_id}",
        subject_id=e.finding_id, unit_id=e.unit_id, occurred_at=e.inspected_at,
        category=CATEGORY_ZH[e.area.value], severity=SEVERITY_ZH[e.severity.value],
        responsible=_responsible(handler=e.person_id), evidence=tuple(e.evidence))
