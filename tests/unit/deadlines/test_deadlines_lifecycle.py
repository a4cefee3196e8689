"""Pauses, extensions, closing and due actions."""

from datetime import date, datetime

import pytest

from services.deadlines.domain import (
    LOCAL_TZ,
    OVERDUE_ID,
    ActionKind,
    DeadlineRuleError,
    DeadlineStatus,
    PauseReason,
    close,
    compute_schedule,
    due_actions,
    extend,
    mark_fired,
    open_deadline,
    pause,
    resume,
)

HEARING, TESTING = PauseReason.HEARING, PauseReason.TESTING


def local(y, m, d, hour=10, minute=0):
    return datetime(y, m, d, hour, minute, tzinfo=LOCAL_TZ)


@pytest.fixture
def matter(book):
    """5 working days from Mon 2026-03-02: counted 3, 4, 5, 6, 9 → due Mon 03-09."""
    return book.rule("matter"), open_deadline(book.rule("matter"), local(2026, 3, 2), limit_days=5)


def due(state, rule, calendar):
    return compute_schedule(state, rule, calendar).due_date


@pytest.mark.parametrize(
    ("reason", "paused_at", "resumed_at", "expected_due"),
    [
        # used 3 and 4 (the pause day counts); 5 and 6 excluded; restart after 6: 9, 10, 11
        (HEARING, local(2026, 3, 4, 11), local(2026, 3, 6, 15), date(2026, 3, 11)),
        # same-day pause and resume costs nothing
        (TESTING, local(2026, 3, 4, 11), local(2026, 3, 4, 15), date(2026, 3, 9)),
        # paused on the acceptance day for 补正: as if accepted on the resume day
        (PauseReason.AWAITING_APPLICANT, local(2026, 3, 2, 11), local(2026, 3, 5), date(2026, 3, 12)),
        # paused over a weekend: Fri→Mon removes only Monday as a working day
        (PauseReason.EXPERT_REVIEW, local(2026, 3, 6), local(2026, 3, 9), date(2026, 3, 10)),
    ],
)
def test_paused_working_time_is_not_counted(
    matter, calendar, reason, paused_at, resumed_at, expected_due
):
    rule, state = matter
    paused = pause(state, rule, calendar, reason, paused_at)
    assert compute_schedule(paused, rule, calendar).due_at is None  # clock stopped
    assert due_actions(paused, rule, compute_schedule(paused, rule, calendar), local(2026, 12, 1)) == []
    assert due(resume(paused, resumed_at), rule, calendar) == expected_due


def test_pause_across_national_day_and_make_up_saturday(book, calendar):
    rule = book.rule("matter")
    state = open_deadline(rule, local(2026, 9, 28), limit_days=5)
    assert due(state, rule, calendar) == date(2026, 10, 10)  # 29, 30, 8, 9, 10(Sat)
    state = resume(pause(state, rule, calendar, HEARING, local(2026, 9, 30)), local(2026, 10, 9))
    assert due(state, rule, calendar) == date(2026, 10, 13)  # used 29, 30; then 10, 12, 13


def test_two_pauses_accumulate(matter, calendar):
    rule, state = matter
    state = resume(pause(state, rule, calendar, HEARING, local(2026, 3, 3)), local(2026, 3, 4))
    state = resume(pause(state, rule, calendar, TESTING, local(2026, 3, 5)), local(2026, 3, 6))
    assert due(state, rule, calendar) == date(2026, 3, 11)  # counted 3, 5, 9, 10, 11


def _closed(r, s, c):
    return close(s, r, c, local(2026, 3, 4)).state


def _paused(r, s, c):
    return pause(s, r, c, HEARING, local(2026, 3, 3))


def _extended(r, s, c):
    return extend(s, r, c, 2, local(2026, 3, 3))


# The matter fixture is due 2026-03-09 23:59:59.999.
@pytest.mark.parametrize(
    ("command", "code"),
    [
        (lambda r, s, c: resume(s, local(2026, 3, 3)), "not_paused"),
        (lambda r, s, c: pause(_paused(r, s, c), r, c, TESTING, local(2026, 3, 4)), "already_paused"),
        (lambda r, s, c: pause(s, r, c, HEARING, local(2026, 3, 10)), "pause_after_due"),
        (lambda r, s, c: pause(s, r, c, HEARING, local(2026, 3, 1)), "out_of_order"),
        (lambda r, s, c: resume(_paused(r, s, c), local(2026, 3, 2, 11)), "out_of_order"),
        (lambda r, s, c: pause(_closed(r, s, c), r, c, HEARING, local(2026, 3, 5)), "deadline_closed"),
        (lambda r, s, c: extend(_closed(r, s, c), r, c, 2, local(2026, 3, 5)), "deadline_closed"),
        (lambda r, s, c: resume(_closed(r, s, c), local(2026, 3, 5)), "deadline_closed"),
        (lambda r, s, c: close(_closed(r, s, c), r, c, local(2026, 3, 5)), "deadline_closed"),
        (lambda r, s, c: extend(s, r, c, 11, local(2026, 3, 3)), "extension_too_long"),
        (lambda r, s, c: extend(s, r, c, 0, local(2026, 3, 3)), "extension_invalid"),
        (lambda r, s, c: extend(s, r, c, 2, local(2026, 3, 10)), "extend_after_due"),
        (lambda r, s, c: extend(_extended(r, s, c), r, c, 2, local(2026, 3, 4)), "extension_quota_exceeded"),
    ],
)
def test_commands_that_break_a_rule(matter, calendar, command, code):
    rule, state = matter
    with pytest.raises(DeadlineRuleError) as raised:
        command(rule, state, calendar)
    assert raised.value.code == code


def test_pause_reason_must_be_allowed_for_the_kind(book, calendar):
    rule = book.rule("complaint_acceptance")
    state = open_deadline(rule, local(2026, 3, 2))
    with pytest.raises(DeadlineRuleError, match="pause_reason_not_allowed: complaint_acceptance cannot"):
        pause(state, rule, calendar, HEARING, local(2026, 3, 3))
    with pytest.raises(DeadlineRuleError, match="extension_not_allowed"):
        extend(state, rule, calendar, 1, local(2026, 3, 3))


def test_licence_matter_one_extension_of_ten_working_days(matter, calendar):
    rule, state = matter
    extended = extend(state, rule, calendar, 10, local(2026, 3, 5), reason="情况复杂，经负责人批准")
    assert due(extended, rule, calendar) == date(2026, 3, 23)  # 03-09 + 10 working days


def test_hotline_complaint_three_extensions_of_three_working_days(book, calendar):
    rule = book.rule("complaint_conclusion")
    state = open_deadline(rule, local(2026, 9, 3))  # 30 calendar days end 10-03 (holiday)
    state = extend(state, rule, calendar, 3, local(2026, 9, 20))
    assert due(state, rule, calendar) == date(2026, 10, 10)  # then 8, 9, 10(make-up Saturday)
    state = extend(state, rule, calendar, 3, local(2026, 9, 21))
    state = extend(state, rule, calendar, 1, local(2026, 9, 22))
    assert due(state, rule, calendar) == date(2026, 10, 15)  # + 12, 13, 14 + 15
    with pytest.raises(DeadlineRuleError) as raised:
        extend(state, rule, calendar, 1, local(2026, 9, 23))
    assert raised.value.code == "extension_quota_exceeded"
    assert "allows 3 extension(s); 3 already granted" in raised.value.message


@pytest.mark.parametrize(
    ("closed_at", "status", "late"),
    [
        (local(2026, 3, 9, 23, 59), DeadlineStatus.MET, 0),
        (local(2026, 3, 10, 0, 1), DeadlineStatus.MISSED, 1),
        (local(2026, 3, 12), DeadlineStatus.MISSED, 3),  # 10, 11, 12
    ],
)
def test_close_on_time_or_late(matter, calendar, closed_at, status, late):
    rule, state = matter
    closure = close(state, rule, calendar, closed_at)
    outcome = (closure.state.status, closure.on_time, closure.late_by_working_days)
    assert outcome == (status, late == 0, late)
    assert closure.due_at == local(2026, 3, 9, 23, 59).replace(second=59, microsecond=999000)


def test_late_on_a_weekend_counts_at_least_one_day(book, calendar):
    rule = book.rule("matter")
    state = open_deadline(rule, local(2026, 3, 2), limit_days=4)  # due Fri 03-06
    closure = close(state, rule, calendar, local(2026, 3, 7))
    assert (closure.on_time, closure.late_by_working_days) == (False, 1)


def test_closing_while_paused_ends_the_pause(matter, calendar):
    rule, state = matter
    paused = pause(state, rule, calendar, HEARING, local(2026, 3, 3))
    closure = close(paused, rule, calendar, local(2026, 3, 20))
    assert closure.on_time  # the clock was stopped since 03-03
    assert closure.state.pauses[-1].resumed_at == local(2026, 3, 20)


def test_due_actions_fire_each_yellow_card_once_then_red(book, calendar):
    rule = book.rule("matter")
    state = open_deadline(rule, local(2026, 3, 2), limit_days=10)  # due 03-16
    schedule = compute_schedule(state, rule, calendar)
    assert due_actions(state, rule, schedule, local(2026, 3, 9, 23)) == []
    first = due_actions(state, rule, schedule, local(2026, 3, 10, 8))
    assert [(a.kind, a.id) for a in first] == [(ActionKind.YELLOW_CARD, "pct50")]
    state = mark_fired(state, "pct50")
    assert due_actions(state, rule, schedule, local(2026, 3, 10, 9)) == []
    later = due_actions(state, rule, schedule, local(2026, 3, 16, 1))
    assert [a.id for a in later] == ["pct75", "wd1"]
    overdue = due_actions(state, rule, schedule, local(2026, 3, 17, 0))
    red = (ActionKind.RED_CARD, OVERDUE_ID, schedule.due_at)
    assert [(a.kind, a.id, a.at) for a in overdue] == [red]
    assert due_actions(mark_fired(state, OVERDUE_ID), rule, schedule, local(2026, 3, 18)) == []


def test_expired_window_is_not_a_red_card(book, calendar):
    rule = book.rule("complaint_return")
    state = open_deadline(rule, local(2026, 3, 2))
    schedule = compute_schedule(state, rule, calendar)
    actions = due_actions(state, rule, schedule, local(2026, 3, 4))
    assert [a.kind for a in actions] == [ActionKind.WINDOW_CLOSED]
    closed = close(state, rule, calendar, local(2026, 3, 3)).state
    assert due_actions(closed, rule, schedule, local(2026, 3, 4)) == []
