"""The 2026 → 2027 boundary: provisional (weekends only, flagged) until the 2027 file is loaded,
then exact, with a new calendar version and a recompute that reports the change."""

from datetime import date, datetime

from services.deadlines.domain import LOCAL_TZ, compute_schedule, end_of_day, open_deadline, recompute


def local(y, m, d, hour=10, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=LOCAL_TZ)


def test_deadline_into_unknown_2027_is_provisional_then_rescheduled(book, calendar, calendar_2027):
    rule = book.rule("matter")
    state = open_deadline(rule, local(2026, 12, 30), limit_days=3)

    before = compute_schedule(state, rule, calendar)
    # Dec 31, then weekends-only guess: Fri Jan 1 counted, Mon Jan 4
    assert before.due_date == date(2027, 1, 4)
    assert (before.provisional, before.provisional_years) == (True, (2027,))
    assert before.calendar_version == "cc-1.11.0"

    result = recompute(state, rule, calendar_2027, before)
    # 2027 file: Jan 1-3 are 元旦 holidays → Dec 31, Jan 4, Jan 5
    assert result.schedule.due_at == end_of_day(date(2027, 1, 5))
    assert (result.schedule.provisional, result.schedule.provisional_years) == (False, ())
    assert result.schedule.calendar_version.startswith("cc-1.11.0+county:2027@")
    assert (result.changed, result.due_changed, result.calendar_changed) == (True, True, True)
    assert result.previous is before


def test_recompute_with_the_same_calendar_reports_no_change(book, calendar):
    rule = book.rule("matter")
    state = open_deadline(rule, local(2026, 12, 30), limit_days=3)
    before = compute_schedule(state, rule, calendar)
    result = recompute(state, rule, calendar, before)
    assert (result.changed, result.due_changed, result.calendar_changed) == (False, False, False)


def test_deadline_inside_2026_is_untouched_by_loading_2027(book, calendar, calendar_2027):
    rule = book.rule("matter")
    state = open_deadline(rule, local(2026, 12, 1), limit_days=3)
    before = compute_schedule(state, rule, calendar)
    result = recompute(state, rule, calendar_2027, before)
    assert (result.changed, result.calendar_changed) == (False, True)
    assert result.schedule.due_date == date(2026, 12, 4)


def test_provisional_flag_alone_changes_schedule(book, calendar, calendar_2027):
    # 1 working day from Wed 2027-01-20: Thursday either way, but no longer a guess
    rule = book.rule("complaint_return")
    state = open_deadline(rule, local(2027, 1, 20))
    before = compute_schedule(state, rule, calendar)
    result = recompute(state, rule, calendar_2027, before)
    assert before.due_date == result.schedule.due_date == date(2027, 1, 21)
    assert (before.provisional, result.schedule.provisional) == (True, False)
    assert (result.changed, result.due_changed) == (True, False)


def test_warnings_move_with_the_calendar(book, calendar, calendar_2027):
    rule = book.rule("complaint_acceptance")  # 3 working days, yellow card 1 day before
    state = open_deadline(rule, local(2027, 9, 30))
    before = compute_schedule(state, rule, calendar)  # weekends only: Oct 1, 4, 5
    after = compute_schedule(state, rule, calendar_2027)  # National Day: Oct 8, 9(Sat), 11
    assert [(w.id, w.at) for w in before.warnings] == [("wd1", local(2027, 10, 5, 0))]
    assert [(w.id, w.at) for w in after.warnings] == [("wd1", local(2027, 10, 11, 0))]
    assert (before.due_date, after.due_date) == (date(2027, 10, 5), date(2027, 10, 11))
