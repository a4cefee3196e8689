"""Commands on a deadline (open, pause, resume, extend, close) as pure functions returning a new
state, plus the questions the scheduler asks: which actions are due now, did a recompute move it.

Every function takes its instants as arguments; nothing here reads the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from .calendar import WorkCalendar
from .errors import DeadlineRuleError
from .localtime import local_date, require_aware
from .rules import Counting, DeadlineRule, ExpiryAction
from .schedule import Schedule, compute_schedule
from .state import DeadlineState, DeadlineStatus, Extension, Pause, PauseReason

OVERDUE_ID = "overdue"


def open_deadline(
    rule: DeadlineRule,
    started_at: datetime,
    *,
    limit_days: int | None = None,
    category: str | None = None,
    due_date: date | None = None,
) -> DeadlineState:
    """`started_at` is the dispatch instant (派单), not the unit's 签收: signing late gains nothing."""
    require_aware(started_at, "started_at")
    if rule.counting is Counting.FIXED_DATE:
        if due_date is None:
            raise DeadlineRuleError("due_date_required", f"{rule.kind}: a fixed due date must be given")
        if due_date <= local_date(started_at):
            raise DeadlineRuleError(
                "due_date_not_after_start",
                f"{rule.kind}: due date {due_date} is not after start {local_date(started_at)}",
            )
        limit = None
    else:
        limit = rule.resolve_limit(limit_days, category)
    return DeadlineState(
        kind=rule.kind,
        rule_version=rule.rule_version,
        started_at=started_at,
        limit_days=limit,
        due_date=due_date,
        category=category,
    )


def pause(
    state: DeadlineState, rule: DeadlineRule, calendar: WorkCalendar, reason: PauseReason, at: datetime
) -> DeadlineState:
    _require_open(state, "pause")
    _require_in_order(state, at)
    if state.is_paused:
        current = state.pauses[-1]
        raise DeadlineRuleError(
            "already_paused",
            f"already paused since {current.paused_at.isoformat()} ({current.reason}); resume first",
        )
    if reason not in rule.pause_reasons:
        allowed = ", ".join(rule.pause_reasons) or "none"
        raise DeadlineRuleError(
            "pause_reason_not_allowed", f"{rule.kind} cannot be paused for {reason}; allowed: {allowed}"
        )
    _require_before_due(state, rule, calendar, at, "pause")
    return state.model_copy(update={"pauses": (*state.pauses, Pause(reason=reason, paused_at=at))})


def resume(state: DeadlineState, at: datetime) -> DeadlineState:
    _require_open(state, "resume")
    if not state.is_paused:
        raise DeadlineRuleError("not_paused", "resume without a pause: the clock is running")
    _require_in_order(state, at)
    resumed = state.pauses[-1].model_copy(update={"resumed_at": at})
    return state.model_copy(update={"pauses": (*state.pauses[:-1], resumed)})


def extend(
    state: DeadlineState,
    rule: DeadlineRule,
    calendar: WorkCalendar,
    days: int,
    at: datetime,
    reason: str = "",
) -> DeadlineState:
    _require_open(state, "extend")
    _require_in_order(state, at)
    quota = rule.extensions
    if quota.max_count == 0:
        raise DeadlineRuleError("extension_not_allowed", f"{rule.kind} cannot be extended")
    if days <= 0:
        raise DeadlineRuleError("extension_invalid", f"an extension must be > 0 days, got {days}")
    if days > quota.max_days_each:
        raise DeadlineRuleError(
            "extension_too_long",
            f"{days} {quota.counting} asked; {rule.kind} allows at most {quota.max_days_each} per extension",
        )
    if len(state.extensions) >= quota.max_count:
        raise DeadlineRuleError(
            "extension_quota_exceeded",
            f"{rule.kind} allows {quota.max_count} extension(s); {len(state.extensions)} already granted",
        )
    _require_before_due(state, rule, calendar, at, "extend")
    extension = Extension(days=days, approved_at=at, reason=reason)
    return state.model_copy(update={"extensions": (*state.extensions, extension)})


@dataclass(frozen=True)
class Closure:
    state: DeadlineState
    on_time: bool
    due_at: datetime
    late_by_working_days: int  # 0 when on time; a late close counts at least 1
    calendar_version: str
    provisional: bool


def close(state: DeadlineState, rule: DeadlineRule, calendar: WorkCalendar, at: datetime) -> Closure:
    """Completion (办结), report submitted, complaint concluded … An open pause ends at `at`."""
    _require_open(state, "close")
    _require_in_order(state, at)
    if state.is_paused:
        state = resume(state, at)
    schedule = compute_schedule(state, rule, calendar)
    assert schedule.due_at is not None and schedule.due_date is not None  # no open pause left
    on_time = at <= schedule.due_at
    late, provisional = 0, schedule.provisional
    if not on_time:
        count = calendar.working_days_between(schedule.due_date, local_date(at))
        # Closing on the weekend after a Friday due date is still late: any part of a day counts.
        late, provisional = max(1, count.value), provisional or count.provisional
    status = DeadlineStatus.MET if on_time else DeadlineStatus.MISSED
    closed = state.model_copy(update={"status": status, "closed_at": at})
    return Closure(closed, on_time, schedule.due_at, late, calendar.version, provisional)


class ActionKind(StrEnum):
    YELLOW_CARD = "yellow_card"
    RED_CARD = "red_card"
    WINDOW_CLOSED = "window_closed"


@dataclass(frozen=True)
class DueAction:
    kind: ActionKind
    id: str  # warning id or OVERDUE_ID; pass to mark_fired once acted on
    at: datetime  # the instant the action became due


def due_actions(
    state: DeadlineState, rule: DeadlineRule, schedule: Schedule, now: datetime
) -> list[DueAction]:
    """Actions due at `now` not yet fired. Once overdue only the red card (or window_closed) is
    returned: a yellow card missed while the scheduler was down would only confuse the unit."""
    require_aware(now, "now")
    if state.status is not DeadlineStatus.OPEN or schedule.due_at is None:
        return []
    if now > schedule.due_at:
        if OVERDUE_ID in state.fired:
            return []
        kind = (
            ActionKind.WINDOW_CLOSED
            if rule.on_expiry is ExpiryAction.WINDOW_CLOSED
            else ActionKind.RED_CARD
        )
        return [DueAction(kind, OVERDUE_ID, schedule.due_at)]
    return [
        DueAction(ActionKind.YELLOW_CARD, w.id, w.at)
        for w in schedule.warnings
        if w.at <= now and w.id not in state.fired
    ]


def mark_fired(state: DeadlineState, *ids: str) -> DeadlineState:
    return state.model_copy(update={"fired": state.fired | frozenset(ids)})


@dataclass(frozen=True)
class Reschedule:
    schedule: Schedule
    previous: Schedule
    changed: bool  # due_at, warnings or the provisional flag moved: publish "rescheduled"
    due_changed: bool
    calendar_changed: bool


def recompute(
    state: DeadlineState, rule: DeadlineRule, calendar: WorkCalendar, previous: Schedule
) -> Reschedule:
    """Recompute after a calendar year is loaded (or a rule change); compare with `previous`."""
    schedule = compute_schedule(state, rule, calendar)
    return Reschedule(
        schedule=schedule,
        previous=previous,
        changed=not schedule.same_times(previous),
        due_changed=schedule.due_at != previous.due_at,
        calendar_changed=schedule.calendar_version != previous.calendar_version,
    )


def _require_open(state: DeadlineState, command: str) -> None:
    if state.status is not DeadlineStatus.OPEN:
        raise DeadlineRuleError(
            "deadline_closed", f"cannot {command}: deadline is {state.status} since {state.closed_at}"
        )


def _require_in_order(state: DeadlineState, at: datetime) -> None:
    require_aware(at, "at")
    if at < state.last_event_at:
        raise DeadlineRuleError(
            "out_of_order",
            f"{at.isoformat()} is before the last recorded instant {state.last_event_at.isoformat()}",
        )


def _require_before_due(
    state: DeadlineState, rule: DeadlineRule, calendar: WorkCalendar, at: datetime, command: str
) -> None:
    """A pause or extension must come before expiry: neither may rescue a missed deadline."""
    schedule = compute_schedule(state, rule, calendar)
    if schedule.due_at is not None and at > schedule.due_at:
        raise DeadlineRuleError(
            f"{command}_after_due",
            f"cannot {command} at {at.isoformat()}: due {schedule.due_at.isoformat()} passed",
        )
