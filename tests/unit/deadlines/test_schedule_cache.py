"""The schedule cache answers exactly what compute_schedule answers, and never from the data of
a calendar that has since changed (a year loaded)."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.deadlines.domain import LOCAL_TZ, compute_schedule, open_deadline, pause
from services.deadlines.schedules import ScheduleCache


def at(y, m, d, hh=9) -> datetime:
    return datetime(y, m, d, hh, tzinfo=LOCAL_TZ)


def test_same_answers_as_computing_and_computed_once_per_day(book, calendar):
    cache = ScheduleCache()
    start = at(2026, 9, 25)
    for days in range(20):
        for kind, limit in (("complaint_acceptance", None), ("complaint_conclusion", None),
                            ("matter", 5), ("matter", 12)):
            rule = book.rule(kind)
            state = open_deadline(rule, start + timedelta(days=days), limit_days=limit)
            assert cache.schedule(state, rule, calendar) == compute_schedule(state, rule, calendar)
    rule = book.rule("complaint_conclusion")
    morning = open_deadline(rule, at(2026, 10, 9, 8), category="三乱")
    evening = open_deadline(rule, at(2026, 10, 9, 22), category="三乱")
    other = open_deadline(rule, at(2026, 10, 9, 22), category="四难")
    assert cache.schedule(morning, rule, calendar) is cache.schedule(evening, rule, calendar)
    assert cache.schedule(other, rule, calendar) == compute_schedule(other, rule, calendar)


def test_a_loaded_year_is_used_at_once(book, calendar, calendar_2027):
    cache = ScheduleCache()
    rule = book.rule("matter")
    state = open_deadline(rule, at(2026, 12, 29), limit_days=5)
    before = cache.schedule(state, rule, calendar)
    after = cache.schedule(state, rule, calendar_2027)
    assert before.provisional and not after.provisional
    assert after == compute_schedule(state, rule, calendar_2027)
    assert after.due_at > before.due_at  # 2027-01-01..03 are holidays


def test_paused_clocks_are_computed(book, calendar):
    cache = ScheduleCache()
    rule = book.rule("matter")
    state = open_deadline(rule, at(2026, 10, 12), limit_days=3)
    paused = pause(state, rule, calendar, "expert_review", at(2026, 10, 13, 11))
    assert cache.schedule(paused, rule, calendar) == compute_schedule(paused, rule, calendar)
    assert cache.schedule(paused, rule, calendar).due_at is None
    assert cache.schedule(state, rule, calendar).due_at is not None
