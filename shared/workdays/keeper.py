"""Keeping a WorkCalendar current from `calendar.year_loaded` events, in any service.

The county office loads a year once (`python -m services.deadlines.cli calendar load FILE`); the
event carries the whole year, so each service stores it in its own schema and rebuilds its
calendar from the stored payloads at start-up and whenever a new one arrives — no restart, no
shared file system. Usage in a handler:

    year = year_from_event(payload)          # CalendarFileError → dead-letter it (Rejected)
    store payload.model_dump(mode="json") in your schema
    keeper.adopt(year)                       # the new calendar, swapped atomically

and at start-up `CalendarKeeper.from_payloads(base, rows)`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from shared.events.calendar import CalendarDay, CalendarYearLoaded

from .calendar import WorkCalendar
from .errors import CalendarFileError
from .year_file import YearCalendar

# Namespace of deterministic event ids: loading the same year data twice is the same event,
# so every consumer's inbox drops the repeat.
_EVENT_NS = uuid.UUID("7c1d3f0e-6a53-4c1e-9a0b-2f6a4c0d2027")


def year_event_id(year: YearCalendar) -> uuid.UUID:
    return uuid.uuid5(_EVENT_NS, f"calendar.year_loaded/{year.year}/{year.data_hash}")


def event_from_year(year: YearCalendar) -> CalendarYearLoaded:
    return CalendarYearLoaded(
        year=year.year, source=year.source, data_hash=year.data_hash,
        holidays=[CalendarDay(date=d, name=n) for d, n in sorted(year.holidays.items())],
        workdays=[CalendarDay(date=d, name=n) for d, n in sorted(year.workdays.items())])


def year_from_event(payload: CalendarYearLoaded | dict[str, Any]) -> YearCalendar:
    """The YearCalendar an event carries, re-checked: the event may not come from our CLI."""
    if isinstance(payload, dict):
        payload = CalendarYearLoaded.model_validate(payload)
    origin = f"calendar.year_loaded {payload.year}"
    holidays: dict = {}
    workdays: dict = {}
    for what, days, target in (("holidays", payload.holidays, holidays),
                               ("workdays", payload.workdays, workdays)):
        for day in days:
            if day.date.year != payload.year:
                raise CalendarFileError(f"{origin}: {day.date} in {what} is outside {payload.year}")
            if day.date in target:
                raise CalendarFileError(f"{origin}: {day.date} listed twice in {what}")
            target[day.date] = day.name
    for day in workdays:
        if day in holidays:
            raise CalendarFileError(f"{origin}: {day} is both a holiday and a make-up workday")
        if day.weekday() < 5:
            raise CalendarFileError(f"{origin}: make-up workday {day} is a weekday")
    year = YearCalendar(payload.year, payload.source, holidays, workdays, origin=origin)
    if year.data_hash != payload.data_hash:
        raise CalendarFileError(
            f"{origin}: data_hash {payload.data_hash} does not match the data ({year.data_hash})")
    WorkCalendar().with_year(year)  # refuses years chinesecalendar already knows
    return year


class CalendarKeeper:
    """Holds the current calendar. WorkCalendar is immutable and the swap is one assignment, so
    a computation in progress keeps the calendar it started with."""

    def __init__(self, base: WorkCalendar | None = None) -> None:
        self._calendar = base or WorkCalendar()

    @classmethod
    def from_payloads(cls, base: WorkCalendar | None,
                      payloads: Iterable[CalendarYearLoaded | dict[str, Any]]) -> CalendarKeeper:
        keeper = cls(base)
        for payload in payloads:
            keeper.adopt(year_from_event(payload))
        return keeper

    @property
    def calendar(self) -> WorkCalendar:
        return self._calendar

    def adopt(self, year: YearCalendar) -> bool:
        """Use `year` from now on; False when the calendar already had exactly this data."""
        before = self._calendar.version
        self._calendar = self._calendar.with_year(year)
        return self._calendar.version != before
