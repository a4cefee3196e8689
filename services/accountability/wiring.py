"""What the handlers depend on, gathered in one explicit object: topic names (tests use their
own), the working-day calendar, and the rule-book cache. main.py builds the real one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from shared import topics as t

from .rulebook_store import RuleBookCache

PRODUCER = "accountability"


@dataclass(frozen=True)
class Topics:
    roster: str = t.ROSTER
    matters: str = t.MATTERS
    complaints: str = t.COMPLAINTS
    inspections: str = t.INSPECTIONS
    office: str = t.OFFICE
    deadlines: str = t.DEADLINES
    accountability: str = t.ACCOUNTABILITY
    deadline_requests: str = t.DEADLINE_REQUESTS

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.roster, self.matters, self.complaints, self.inspections, self.office,
                self.deadlines)


@dataclass(frozen=True)
class WorkingDays:
    """working_days_between(start, end): working days d with start < d <= end, and the version
    of the calendar data that answered (it goes into every explanation)."""

    between: Callable[[date, date], int]
    version: str


def deadlines_calendar(directory: Path) -> WorkingDays:
    # The calendar lives in the deadlines service until it moves to shared/: this is the one
    # line to change then.
    from services.deadlines.domain import WorkCalendar

    cal = WorkCalendar.from_directory(directory)
    return WorkingDays(lambda a, b: cal.working_days_between(a, b).value, cal.version)


@dataclass
class Deps:
    topics: Topics
    calendar: WorkingDays
    rulebooks: RuleBookCache = field(default_factory=lambda: RuleBookCache())
