"""督办整改: which reports close a measure's clock, and when the clock is withdrawn."""

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from services.accountability.domain import (
    AppealRuling, MeasureStatus, RectificationError, check_rectification, decide, file_appeal,
    first_ordered_at, rule_on_appeal, withdrawal_reason,
)
from services.accountability.store import StoredMeasure

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


def test_the_first_order_is_what_a_report_is_judged_by_across_revisions():
    revised = ORDERED + timedelta(days=7)
    assert first_ordered_at(None, ORDERED) == ORDERED  # its clock is requested now
    assert first_ordered_at(None, None) is None  # no clock, not yet
    assert first_ordered_at(ORDERED, None) == ORDERED  # decided again: the clock runs on
    # Withdrawn, then ordered again: the request has the first one's id, deadlines drops it and
    # keeps its one clock for the measure, so the first order stays.
    assert first_ordered_at(ORDERED, revised) == ORDERED


def test_a_stored_measure_without_the_order_time_falls_back_to_its_decision():
    m, revised = supervision(), ORDERED + timedelta(days=7)
    assert StoredMeasure(m, 1, False, revised, rectification_ordered_at=ORDERED).ordered_at == ORDERED
    # NULL: written by a replica older than migration 0004; decided_at is the best known
    assert StoredMeasure(m, 0, False, revised).ordered_at == revised
    assert StoredMeasure(reminder(), 0, False, revised).ordered_at is None  # never ordered
