"""What handlers and the poller need, passed explicitly (tests build their own)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from services.deadlines.calendars import CalendarProvider
from services.deadlines.schedules import ScheduleCache
from services.deadlines.domain import RuleBook
from shared import topics as kernel_topics


@dataclass(frozen=True)
class Topics:
    """Topic names, injectable so tests use unique topics; defaults follow shared.topics."""

    roster: str = kernel_topics.ROSTER
    reports: str = kernel_topics.REPORTS
    matters: str = kernel_topics.MATTERS
    complaints: str = kernel_topics.COMPLAINTS
    deadline_requests: str = kernel_topics.DEADLINE_REQUESTS
    calendar: str = kernel_topics.CALENDAR
    deadlines: str = kernel_topics.DEADLINES

    def consumed(self) -> list[str]:
        return [getattr(self, f.name) for f in fields(self) if f.name != "deadlines"]


@dataclass(frozen=True)
class Deps:
    rules: RuleBook
    calendars: CalendarProvider
    topics: Topics
    producer: str = "deadlines"
    schedules: ScheduleCache = field(default_factory=ScheduleCache)
