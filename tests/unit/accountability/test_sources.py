"""The boundary from canonical events to fault drafts (pure; no broker, no database)."""

from datetime import date, datetime, timedelta, timezone

from services.accountability.domain import FaultKind, Severity, load_rulebook
from services.accountability.domain.vocabulary import Role
from services.accountability.sources import (
    CATEGORY_ZH, from_complaint_concluded, from_complaint_returned, from_deadline_met,
    from_deadline_missed, from_inspection,
)
from services.accountability.wiring import WorkingDays
from shared.events.cases import InspectionFindingRecorded
from shared.events.complaints import ComplaintConcluded, ComplaintReturned
from shared.events.deadlines import DeadlineFacts, DeadlineMet, DeadlineMissed, Responsible
from shared.events.vocab import ComplaintCategory, InspectionArea

from .builders import weekdays_between

MON = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 Monday in the county
CAL = WorkingDays(weekdays_between, "weekdays")


def facts(kind="matter") -> DeadlineFacts:
    return DeadlineFacts(deadline_id=f"{kind}:M1", kind=kind, subject_type="matter", subject_id="M1",
                         unit_id="U1", responsible=Responsible(handler_id="h", approver_id="a"),
                         due_at=MON, allowed_working_days=5, calendar_version="cc", provisional=False)


def test_red_card_and_late_completion_of_one_deadline_share_one_lapse_key():
    red = from_deadline_missed(DeadlineMissed(deadline=facts(), missed_at=MON))
    late = from_deadline_met(DeadlineMet(deadline=facts(), met_at=MON + timedelta(days=7),
                                         late=True, lateness_working_days=5))
    assert red.subject_key == late.subject_key == "deadline:matter:M1"
    assert (red.kind, late.kind) == (FaultKind.DEADLINE_MISSED, FaultKind.LATE_COMPLETION)
    assert red.severity is None and late.working_days == {"limit": 5, "lateness": 5}
    assert red.responsible == {Role.HANDLER: "h", Role.APPROVER: "a"}
    assert red.occurred_on == date(2026, 3, 2)


def test_windows_closing_and_on_time_completion_are_no_faults():
    assert from_deadline_missed(DeadlineMissed(deadline=facts("appeal_window"), missed_at=MON)) is None
    assert from_deadline_met(DeadlineMet(deadline=facts(), met_at=MON, late=False,
                                         lateness_working_days=0)) is None


def test_return_counts_working_days_from_dispatch():
    def returned(days: int):
        return from_complaint_returned(ComplaintReturned(
            complaint_id="C1", by_unit_id="U1", returned_at=MON + timedelta(days=days),
            dispatched_at=MON, reason="错派", hop=2), CAL)
    assert returned(1) is None  # Tuesday: within 1 working day
    late = returned(4)  # Friday: 4 working days
    assert late.kind is FaultKind.RETURN_OUT_OF_WINDOW and late.subject_key == "return:C1:2"
    assert late.working_days == {"elapsed": 4, "limit": 1, "lateness": 3}
    assert late.responsible == {}  # the liaison is found on the roster


def test_every_category_and_area_is_in_the_default_rule_book_vocabulary():
    book = load_rulebook()
    assert {c.value for c in ComplaintCategory} == set(CATEGORY_ZH)
    assert set(CATEGORY_ZH.values()) <= set(book.categories)
    assert {a.value for a in InspectionArea} <= set(CATEGORY_ZH)


def test_complaint_and_inspection_map_severity_and_category():
    c = from_complaint_concluded(ComplaintConcluded(
        complaint_id="C2", handling_unit_id="X", target_unit_id="U1", concluded_at=MON,
        substantiated=True, findings="乱收费", severity="serious", category="three_arbitrary"))
    assert (c.unit_id, c.category, c.severity) == ("U1", "三乱", Severity.SERIOUS)
    assert from_complaint_concluded(c_unsub := ComplaintConcluded(
        complaint_id="C3", handling_unit_id="X", target_unit_id="U1", concluded_at=MON,
        substantiated=False, findings="", category="duty")) is None and c_unsub
    f = from_inspection(InspectionFindingRecorded(
        finding_id="F1", unit_id="U1", area="duty", issue="phone_unanswered", severity="grave",
        inspected_at=MON))
    assert (f.category, f.severity, f.responsible) == ("政务值守", Severity.GRAVE, {})
