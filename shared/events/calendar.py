"""Working-day calendar years the county office loads (State Council holiday notices)."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.envelope import Documented, EventPayload, event


class CalendarDay(Documented):
    date: date
    name: str = Field(description="e.g. 春节, or the holiday a make-up workday belongs to")


@event("calendar.year_loaded")
class CalendarYearLoaded(EventPayload):
    """A validated year file; every service that counts working days adopts it at once."""

    year: int
    source: str = Field(description="Title of the State Council notice")
    holidays: list[CalendarDay] = Field(description="Days off that would be working days")
    workdays: list[CalendarDay] = Field(description="Make-up working days (调休) on weekends")
    data_hash: str = Field(description="Hash of the dates and names: the calendar version")
