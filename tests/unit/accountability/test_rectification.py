"""督办整改: which reports close a measure's clock, and when the clock is withdrawn."""

import re
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from services.accountability.domain import (
    AppealRuling, MeasureStatus, RectificationError, RectificationOrder, check_rectification,
    decide, file_appeal, orders_rectification, rule_on_appeal, withdrawal_reason,
)
from services.accountability.domain.vocabulary import ACCOUNTABILITY_NAMESPACE
from services.accountability.events_out import (
    rectification_fulfilled, rectification_requested, rectification_withdrawn,
)
from services.accountability.store import StoredMeasure
from shared.envelope import Envelope
from shared.events.office import ExemptionGranted

from .builders import DEFAULT_BOOK, fault, no_leader, weekdays_between

ORDERED = datetime(2026, 3, 3, 1, 0, tzinfo=timezone.utc)  # 09:00 in the county
DONE = ORDERED + timedelta(days=6)


def supervision(n: int = 1):
    [m] = decide(fault(n, on=date(2026, 3, 3), kind="inspection_finding", category="工作作风"),
                 [], DEFAULT_BOOK, no_leader)
    assert m.code == "supervision" and m.rectification_working_days == 10
    return m


def reminder():
    [m] = decide(fault("r", on=date(2026, 3, 3), kind="repeat_supplement_request",
                       category="一次性告知"), [], DEFAULT_BOOK, no_leader)
    assert m.code == "reminder" and not m.rectification_working_days
    return m


def appealed_and_ruled(m, ruling, reduced_to=None):
    frozen = file_appeal(m, appellant=m.person_id, notified_on=date(2026, 3, 3),
                         filed_on=date(2026, 3, 4), reason="整改要求不当", rulebook=DEFAULT_BOOK,
                         working_days_between=weekdays_between)
    return rule_on_appeal(frozen, ruling=ruling, ruled_on=date(2026, 3, 10), reason="复核结论",
                          rulebook=DEFAULT_BOOK, reduced_to=reduced_to)


def check(m, *, unit=None, at=DONE, before=None):
    check_rectification(m, unit_id=unit or m.unit_id, rectified_at=at, ordered_at=ORDERED,
                        rectified_before=before)


def test_a_supervision_in_force_or_under_appeal_may_be_reported_rectified():
    m = supervision()
    check(m)
    check(m, at=ORDERED)  # the very instant it was ordered
    frozen = file_appeal(m, appellant=m.person_id, notified_on=date(2026, 3, 3),
                         filed_on=date(2026, 3, 4), reason="x", rulebook=DEFAULT_BOOK,
                         working_days_between=weekdays_between)
    assert frozen.status is MeasureStatus.FROZEN
    check(frozen)  # an appeal does not suspend the order
    check(appealed_and_ruled(m, AppealRuling.UPHELD))


@pytest.mark.parametrize("case,code,message", [
    ("wrong unit", "wrong_unit", "was ordered against unit 'U1', not 'U2'"),
    ("revoked", "measure_revoked", "was revoked on appeal"),
    ("reminder", "no_rectification_period", "orders no rectification period"),
    ("reduced", "no_rectification_period", "(提醒) orders no rectification period"),
    ("twice", "already_rectified", "already reported rectified on 2026-03-05T00:00:00+00:00"),
    ("too early", "rectified_before_order", "is before measure"),
])
def test_reports_that_do_not_fit_are_refused_with_their_reason(case, code, message):
    m = supervision()
    report = {
        "wrong unit": lambda: check(m, unit="U2"),
        "revoked": lambda: check(appealed_and_ruled(m, AppealRuling.REVOKED)),
        "reminder": lambda: check(reminder()),
        "reduced": lambda: check(appealed_and_ruled(m, AppealRuling.REDUCED, "reminder")),
        "twice": lambda: check(m, before=datetime(2026, 3, 5, tzinfo=timezone.utc)),
        "too early": lambda: check(m, at=ORDERED - timedelta(seconds=1)),
    }[case]
    with pytest.raises(RectificationError, match=re.escape(message)) as e:
        report()
    assert e.value.code == code


def test_wrong_unit_is_refused_before_anything_about_the_measure_is_said():
    revoked = appealed_and_ruled(supervision(), AppealRuling.REVOKED)
    with pytest.raises(RectificationError) as e:
        check(revoked, unit="U2")
    assert e.value.code == "wrong_unit"


def test_the_clock_is_withdrawn_when_the_order_no_longer_stands():
    m = supervision()
    assert withdrawal_reason(m, appealed_and_ruled(m, AppealRuling.REVOKED)) == \
        "the measure was revoked on appeal"
    assert "reduced to reminder (提醒)" in withdrawal_reason(
        m, appealed_and_ruled(m, AppealRuling.REDUCED, "reminder"))
    assert "no longer decided" in withdrawal_reason(m, None)


def test_the_clock_stands_otherwise():
    m = supervision()
    assert withdrawal_reason(m, m) is None
    assert withdrawal_reason(m, appealed_and_ruled(m, AppealRuling.UPHELD)) is None
    frozen = file_appeal(m, appellant=m.person_id, notified_on=date(2026, 3, 3),
                         filed_on=date(2026, 3, 4), reason="x", rulebook=DEFAULT_BOOK,
                         working_days_between=weekdays_between)
    assert withdrawal_reason(m, frozen) is None
    assert withdrawal_reason(None, m) is None  # a new measure: requested, not withdrawn
    assert withdrawal_reason(reminder(), None) is None  # never had a clock
    revoked = appealed_and_ruled(m, AppealRuling.REVOKED)
    assert withdrawal_reason(revoked, None) is None  # withdrawn once already


def escalated():
    """The 督办 of supervision() decided again as the third fault of its unit in the window
    (two earlier faults recorded late): 从重, one rung up to 效能告诫, which has no period."""
    earlier = [fault(n, on=date(2026, 3, 2), kind="inspection_finding", category="工作作风")
               for n in (8, 9)]
    [m] = decide(fault(1, on=date(2026, 3, 3), kind="inspection_finding", category="工作作风"),
                 earlier, DEFAULT_BOOK, no_leader)
    assert m.id == supervision().id and m.code == "admonition"
    assert not m.rectification_working_days
    return m


def test_a_clock_escalated_away_says_escalated_not_reduced():
    m = supervision()
    reason = withdrawal_reason(m, escalated())
    assert reason == ("the measure was escalated to admonition (效能告诫), "
                      "which orders no rectification")
    reduced = withdrawal_reason(m, appealed_and_ruled(m, AppealRuling.REDUCED, "reminder"))
    assert reduced == "the measure was reduced to reminder (提醒), which orders no rectification"


def test_a_rectification_is_ordered_when_a_revision_starts_owing_one():
    m = supervision()
    assert orders_rectification(None, m)  # a new 督办, or one decided again after superseded
    assert orders_rectification(escalated(), m)  # escalated away, now a 督办 again
    assert orders_rectification(reminder(), m)  # recounted up from 提醒
    assert not orders_rectification(m, m)  # the order stands: its clock runs on
    frozen = file_appeal(m, appellant=m.person_id, notified_on=date(2026, 3, 3),
                         filed_on=date(2026, 3, 4), reason="x", rulebook=DEFAULT_BOOK,
                         working_days_between=weekdays_between)
    assert not orders_rectification(m, frozen)  # under appeal the order still runs
    assert not orders_rectification(None, reminder())  # no period, no order
    assert not orders_rectification(None, appealed_and_ruled(m, AppealRuling.REVOKED))
    assert not orders_rectification(m, escalated())  # withdrawn, not ordered


def test_a_measure_reported_rectified_is_not_ordered_again():
    # Rectified under its first order, escalated away, then a 督办 again: the one report per
    # measure answers it (a new clock would red-card a unit with nothing left to do).
    assert not orders_rectification(escalated(), supervision(), rectified_at=DONE)


def test_the_running_order_is_what_a_report_is_judged_by():
    first = RectificationOrder().renewed(ORDERED)
    assert first == RectificationOrder(1, ORDERED)  # its clock is requested now
    assert RectificationOrder().renewed(None) == RectificationOrder()  # no clock, not yet
    assert first.renewed(None) == first  # a revision keeping the order: the clock runs on
    # Withdrawn, then ordered again: deadlines restarts the clock as a new round from the new
    # order (the request's id carries the number), so that start is what a report is judged by.
    again = ORDERED + timedelta(days=7)
    assert first.renewed(again) == RectificationOrder(2, again)


def test_a_stored_measure_without_the_order_time_or_number_falls_back():
    m, revised = supervision(), ORDERED + timedelta(days=7)
    stored = StoredMeasure(m, 1, False, revised, rectification_ordered_at=ORDERED,
                           rectification_orders=2)
    assert (stored.ordered_at, stored.order) == (ORDERED, RectificationOrder(2, ORDERED))
    # Number 0 with a time: written before migration 0005 (or by an older replica): one order
    older = StoredMeasure(m, 1, False, revised, rectification_ordered_at=ORDERED)
    assert older.order == RectificationOrder(1, ORDERED)
    # NULL: written by a replica older than migration 0004; decided_at is the best known
    assert StoredMeasure(m, 0, False, revised).order == RectificationOrder(1, revised)
    assert StoredMeasure(reminder(), 0, False, revised).order == RectificationOrder()  # never


def test_event_ids_of_the_first_order_are_as_published_and_later_orders_get_their_own():
    m = supervision()
    cause = Envelope.wrap(ExemptionGranted(
        subject_id="F-9", unit_id=m.unit_id, reason="force_majeure", note="台风停电",
        granted_at=ORDERED), key="F-9", occurred_at=ORDERED, producer="test")

    def published(*parts) -> uuid.UUID:  # how ids were derived before orders were numbered
        return uuid.uuid5(ACCOUNTABILITY_NAMESPACE, "event:" + ":".join(map(str, parts)))

    assert rectification_requested(m, 1, cause).event_id == published("rectification", m.id)
    assert rectification_withdrawn(m, 1, "x", cause).event_id == published(
        "rectification_withdrawn", m.id)
    # A second order must not be dropped by deadlines' inbox as the first one redelivered;
    # the same order decided twice (a handler re-run) is the same event.
    second = {rectification_requested(m, n, cause).event_id for n in (2, 2)}
    assert len(second) == 1 and published("rectification", m.id) not in second
    assert rectification_requested(m, 3, cause).event_id not in second
    assert rectification_withdrawn(m, 2, "x", cause).event_id != published(
        "rectification_withdrawn", m.id)
    # One report per measure, whichever order it answers: one id.
    assert rectification_fulfilled(m, DONE, cause).event_id == published("rectified", m.id)
