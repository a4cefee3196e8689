"""shared.workdays: the re-exports stay importable, and a calendar.year_loaded event round-trips
into a calendar that knows the year."""

from datetime import date

import pytest

import services.deadlines.domain as domain
import shared.workdays as workdays
from shared.events.calendar import CalendarYearLoaded
from shared.workdays import (
    CalendarFileError,
    CalendarKeeper,
    event_from_year,
    year_event_id,
    year_from_event,
)


def test_deadlines_domain_reexports_the_kernel_calendar():
    assert domain.WorkCalendar is workdays.WorkCalendar
    assert domain.CalendarFileError is workdays.CalendarFileError
    assert domain.YearCalendar is workdays.YearCalendar
    from services.deadlines.domain.calendar import WorkCalendar

    assert WorkCalendar is workdays.WorkCalendar


def test_event_round_trip_and_keeper_swap(year_2027):
    event = event_from_year(year_2027)
    back = year_from_event(event.model_dump(mode="json"))
    assert back.data_hash == year_2027.data_hash == event.data_hash
    assert year_event_id(back) == year_event_id(year_2027)

    keeper = CalendarKeeper()
    assert keeper.calendar.is_workday(date(2027, 10, 4)).provisional
    assert keeper.adopt(back) is True
    assert keeper.adopt(back) is False  # same data: same version
    verdict = keeper.calendar.is_workday(date(2027, 10, 4))
    assert (verdict.workday, verdict.provisional) == (False, False)
    assert keeper.calendar.version.endswith(f"2027@{year_2027.data_hash}")


def test_event_with_a_contradiction_is_refused(year_2027):
    data = event_from_year(year_2027).model_dump(mode="json")
    data["workdays"].append({"date": "2027-10-01", "name": "国庆节"})
    with pytest.raises(CalendarFileError, match="both a holiday and a make-up workday"):
        year_from_event(CalendarYearLoaded.model_validate(data))


def test_event_whose_hash_lies_is_refused(year_2027):
    data = event_from_year(year_2027).model_dump(mode="json")
    data["holidays"] = data["holidays"][1:]
    with pytest.raises(CalendarFileError, match="does not match"):
        year_from_event(data)
