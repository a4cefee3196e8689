"""Pure schedule computation: from a deadline state, its rule and a calendar to due_at + warnings.

The clock is simulated one local day at a time. Day d counts toward the allowed time when
  * d is after the start date (counting starts the day after acceptance/dispatch),
  * d is not inside a pause — a pause paused on day P and resumed on day R removes the days
    P < d <= R: the pause day itself is counted, counting restarts the day after resume, exactly
    like a fresh acceptance on day R,
  * and, for a working-day allowance, d is a working day.
The allowance is consumed as "tranches": the base limit, then each extension in approval order,
each in its own counting unit (e.g. 30 calendar days + 3 working days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from .calendar import WorkCalendar
from .localtime import end_of_day, local_date, start_of_day
from .rules import Counting, DeadlineRule
from .state import DeadlineState

# A guard against runaway loops (e.g. a corrupt state); ten years of unpaused days.
_MAX_STEPS = 3660


@dataclass(frozen=True)
class WarningPoint:
    id: str  # "pct50", "pct75", "wd1" … stable, recorded in DeadlineState.fired once acted on
    at: datetime


@dataclass(frozen=True)
class Schedule:
    due_date: date | None  # None while the clock is stopped by an open pause
    due_at: datetime | None
    warnings: tuple[WarningPoint, ...]
    allowed_days: int  # counted days in base limit + extensions
    provisional: bool  # some day consulted lies in a year the calendar does not know
    provisional_years: tuple[int, ...]
    calendar_version: str
    rule_version: str

    @property
    def is_paused(self) -> bool:
        return self.due_at is None

    def same_times(self, other: Schedule) -> bool:
        return (self.due_at, self.warnings, self.provisional) == (
            other.due_at,
            other.warnings,
            other.provisional,
        )


@dataclass(frozen=True)
class _CountedDay:
    day: date
    workday: bool


def compute_schedule(state: DeadlineState, rule: DeadlineRule, calendar: WorkCalendar) -> Schedule:
    start_date = local_date(state.started_at)
    tranches = _tranches(state, rule, start_date)
    due_date, counted, provisional_years = _walk(start_date, tranches, state, calendar)
    if due_date is not None and rule.roll_to_workday:
        rolled = calendar.next_working_day(due_date)
        if rolled.provisional:
            provisional_years.add(rolled.value.year)
        due_date = rolled.value
    warnings = _warning_points(rule, counted) if due_date is not None else ()
    return Schedule(
        due_date=due_date,
        due_at=end_of_day(due_date) if due_date is not None else None,
        warnings=warnings,
        allowed_days=sum(n for n, _ in tranches),
        provisional=bool(provisional_years),
        provisional_years=tuple(sorted(provisional_years)),
        calendar_version=calendar.version,
        rule_version=rule.rule_version,
    )


def _tranches(state: DeadlineState, rule: DeadlineRule, start_date: date) -> list[tuple[int, Counting]]:
    if rule.counting is Counting.FIXED_DATE:
        if state.due_date is None:
            raise ValueError(f"{rule.kind}: fixed-date deadline without due_date")
        # Every day up to the fixed date is allowed time: makes % warnings meaningful too.
        base = [((state.due_date - start_date).days, Counting.CALENDAR_DAYS)]
    else:
        if state.limit_days is None:
            raise ValueError(f"{rule.kind}: deadline without limit_days")
        base = [(state.limit_days, rule.counting)]
    return base + [(ext.days, rule.extensions.counting) for ext in state.extensions]


def _pause_ranges(state: DeadlineState) -> list[tuple[date, date | None]]:
    return [
        (local_date(p.paused_at), local_date(p.resumed_at) if p.resumed_at else None)
        for p in state.pauses
    ]


def _walk(
    start_date: date,
    tranches: list[tuple[int, Counting]],
    state: DeadlineState,
    calendar: WorkCalendar,
) -> tuple[date | None, list[_CountedDay], set[int]]:
    pauses = _pause_ranges(state)
    counted: list[_CountedDay] = []
    provisional_years: set[int] = set()
    day, steps = start_date, 0
    for size, counting in tranches:
        remaining = size
        while remaining > 0:
            day += timedelta(days=1)
            steps += 1
            if steps > _MAX_STEPS:
                raise RuntimeError(f"deadline walk exceeded {_MAX_STEPS} days from {start_date}")
            pause = next((p for p in pauses if p[0] < day and (p[1] is None or day <= p[1])), None)
            if pause is not None:
                if pause[1] is None:
                    return None, counted, provisional_years  # clock stopped: no due date yet
                continue
            verdict = calendar.is_workday(day)
            if verdict.provisional:
                provisional_years.add(day.year)
            if counting is Counting.CALENDAR_DAYS or verdict.workday:
                counted.append(_CountedDay(day, verdict.workday))
                remaining -= 1
    return day, counted, provisional_years


def _warning_points(rule: DeadlineRule, counted: list[_CountedDay]) -> tuple[WarningPoint, ...]:
    """Time accrues only on counted days, 24 h each; a point is placed on that accrued clock."""
    if not counted:
        return ()
    clock_start = start_of_day(counted[0].day)
    points: list[WarningPoint] = []
    for percent in rule.warnings.percent_elapsed:
        elapsed = Fraction(percent, 100) * len(counted)
        index = int(elapsed)
        at = start_of_day(counted[index].day) + timedelta(days=float(elapsed - index))
        points.append(WarningPoint(f"pct{percent}", at))
    workdays = [c.day for c in counted if c.workday]
    for n in rule.warnings.working_days_before:
        if n <= len(workdays):
            # "N working days before the end" = start of the N-th last counted working day,
            # when exactly N working days of allowed time remain.
            points.append(WarningPoint(f"wd{n}", start_of_day(workdays[-n])))
    unique: dict[datetime, WarningPoint] = {}
    for point in points:
        # Drop points at the very clock start (nothing has elapsed) and same-instant duplicates,
        # so one moment never produces two yellow cards.
        if point.at > clock_start and point.at not in unique:
            unique[point.at] = point
    return tuple(sorted(unique.values(), key=lambda p: p.at))
