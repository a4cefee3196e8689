"""Due instants and warning points, with dates derived by hand from chinesecalendar's 2026 data."""

from datetime import date, datetime, timezone

import pytest

from services.deadlines.domain import LOCAL_TZ, DeadlineRuleError, compute_schedule, open_deadline


def local(y, m, d, hour=10, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=LOCAL_TZ)


def due_for(book, calendar, kind, started_at, **kw):
    rule = book.rule(kind)
    return compute_schedule(open_deadline(rule, started_at, **kw), rule, calendar)


@pytest.mark.parametrize(
    ("kind", "started_at", "kwargs", "due"),
    [
        # matter: counting starts the day after acceptance
        ("matter", local(2026, 3, 6), {"limit_days": 3}, date(2026, 3, 11)),  # Fri → Wed
        ("matter", local(2026, 9, 30), {"limit_days": 5}, date(2026, 10, 13)),  # National Day
        ("matter", local(2026, 9, 28), {"limit_days": 5}, date(2026, 10, 10)),  # make-up Saturday
        ("matter", local(2026, 9, 30, 23, 59), {"limit_days": 1}, date(2026, 10, 8)),
        # the local date decides: 15:30Z is 23:30 Thursday, 16:30Z is 00:30 Friday in Shanghai
        ("matter", datetime(2026, 3, 5, 15, 30, tzinfo=timezone.utc), {"limit_days": 3}, date(2026, 3, 10)),
        ("matter", datetime(2026, 3, 5, 16, 30, tzinfo=timezone.utc), {"limit_days": 3}, date(2026, 3, 11)),
        ("complaint_acceptance", local(2026, 9, 24), {}, date(2026, 9, 30)),  # 28, 29, 30
        ("complaint_return", local(2026, 9, 30), {}, date(2026, 10, 8)),
        ("appeal_window", local(2026, 9, 18), {}, date(2026, 9, 24)),  # 20(Sun make-up),21..24
        # 30 calendar days from 09-03 is 10-03, a holiday: rolls to the next working day
        ("complaint_conclusion", local(2026, 9, 3), {}, date(2026, 10, 8)),
        ("complaint_conclusion", local(2026, 3, 2), {"category": "三乱"}, date(2026, 3, 17)),
        ("complaint_conclusion", local(2026, 3, 2), {"category": "四难"}, date(2026, 4, 1)),
        # a fixed date is kept even when it is not a working day (the campaign fixed it)
        ("campaign_report", local(2026, 5, 6), {"due_date": date(2026, 5, 16)}, date(2026, 5, 16)),
    ],
)
def test_due_dates(book, calendar, kind, started_at, kwargs, due):
    schedule = due_for(book, calendar, kind, started_at, **kwargs)
    assert schedule.due_date == due
    assert schedule.due_at == datetime(due.year, due.month, due.day, 23, 59, 59, 999000, tzinfo=LOCAL_TZ)
    assert not schedule.provisional
    assert (schedule.calendar_version, schedule.rule_version) == ("cc-1.11.0", "2026.1")


def test_warnings_at_50_75_percent_and_one_working_day_before(book, calendar):
    # 10 working days from Mon 03-02: counted 3,4,5,6,9,10,11,12,13,16 → due 03-16
    schedule = due_for(book, calendar, "matter", local(2026, 3, 2), limit_days=10)
    assert schedule.due_date == date(2026, 3, 16)
    assert [(w.id, w.at) for w in schedule.warnings] == [
        ("pct50", local(2026, 3, 10, 0)),  # 5 days elapsed: start of the 6th counted day
        ("pct75", local(2026, 3, 12, 12)),  # 7.5 days: noon of the 8th counted day
        ("wd1", local(2026, 3, 16, 0)),  # start of the last working day
    ]


def test_fractional_percentages_on_a_short_limit(book, calendar):
    schedule = due_for(book, calendar, "rectification_order", local(2026, 3, 2), limit_days=3)
    assert [(w.id, w.at) for w in schedule.warnings] == [
        ("pct50", local(2026, 3, 4, 12)),  # 1.5 of 3 days
        ("wd1", local(2026, 3, 5, 0)),
        ("pct75", local(2026, 3, 5, 6)),  # 2.25 of 3 days
    ]


def test_working_days_before_a_fixed_date_skip_holidays_and_use_make_up_days(book, calendar):
    # Labour Day 2026: 05-01..05-05 off, Saturday 05-09 a make-up workday
    schedule = due_for(book, calendar, "campaign_report", local(2026, 4, 28), due_date=date(2026, 5, 12))
    assert [(w.id, w.at) for w in schedule.warnings] == [
        ("wd3", local(2026, 5, 9, 0)),  # counting back 12, 11, then Saturday 09 (make-up)
        ("wd1", local(2026, 5, 12, 0)),
    ]


def test_one_day_window_has_no_warnings(book, calendar):
    assert due_for(book, calendar, "complaint_return", local(2026, 3, 2)).warnings == ()


@pytest.mark.parametrize(
    ("kind", "kwargs", "code"),
    [
        ("matter", {}, "limit_required"),
        ("matter", {"limit_days": 0}, "limit_invalid"),
        ("campaign_report", {}, "due_date_required"),
        ("campaign_report", {"due_date": date(2026, 3, 2)}, "due_date_not_after_start"),
    ],
)
def test_open_rejects_incomplete_deadlines(book, kind, kwargs, code):
    with pytest.raises(DeadlineRuleError) as raised:
        open_deadline(book.rule(kind), local(2026, 3, 2), **kwargs)
    assert raised.value.code == code


def test_unknown_kind_and_naive_start(book):
    with pytest.raises(DeadlineRuleError, match="unknown_kind"):
        book.rule("nope")
    with pytest.raises(ValueError, match="timezone-aware"):
        open_deadline(book.rule("matter"), datetime(2026, 3, 2, 10), limit_days=3)
