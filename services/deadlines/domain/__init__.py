"""Pure domain logic of the deadlines service: working-day calendar, deadline rules, schedules.

No Kafka, no database, no wall clock: every instant is an argument. See docs/deadline-rules.md.
"""

from .calendar import CountResult, DateResult, DayVerdict, WorkCalendar
from .errors import CalendarFileError, DeadlineRuleError
from .lifecycle import (
    OVERDUE_ID,
    ActionKind,
    Closure,
    DueAction,
    Reschedule,
    close,
    due_actions,
    extend,
    mark_fired,
    open_deadline,
    pause,
    recompute,
    resume,
)
from .localtime import LOCAL_TZ, end_of_day, local_date, start_of_day
from .rules import Counting, DeadlineRule, ExpiryAction, RuleBook, load_rule_book
from .schedule import Schedule, WarningPoint, compute_schedule
from .state import DeadlineState, DeadlineStatus, Extension, Pause, PauseReason
from .year_file import YearCalendar, install_year_file, load_year_file, parse_year_file

__all__ = [
    "LOCAL_TZ", "OVERDUE_ID", "ActionKind", "CalendarFileError", "Closure", "CountResult",
    "Counting", "DateResult", "DayVerdict", "DeadlineRule", "DeadlineRuleError", "DeadlineState",
    "DeadlineStatus", "DueAction", "ExpiryAction", "Extension", "Pause", "PauseReason",
    "Reschedule", "RuleBook", "Schedule", "WarningPoint", "WorkCalendar", "YearCalendar",
    "close", "compute_schedule", "due_actions", "end_of_day", "extend", "install_year_file",
    "load_rule_book", "load_year_file", "local_date", "mark_fired", "open_deadline",
    "parse_year_file", "pause", "recompute", "resume", "start_of_day",
]
