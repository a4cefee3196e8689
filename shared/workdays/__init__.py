"""The Chinese working-day calendar every service counts with: chinesecalendar for the years it
knows, county year files / `calendar.year_loaded` events for later years, and a visible
weekends-only PROVISIONAL fallback for years nobody has loaded. See docs/deadline-rules.md."""

from .calendar import PACKAGE_LABEL, CountResult, DateResult, DayVerdict, WorkCalendar
from .errors import CalendarFileError
from .keeper import CalendarKeeper, event_from_year, year_event_id, year_from_event
from .localtime import LOCAL_TZ, end_of_day, local_date, require_aware, start_of_day
from .year_file import YearCalendar, install_year_file, load_year_file, parse_year_file

__all__ = [
    "LOCAL_TZ", "PACKAGE_LABEL", "CalendarFileError", "CalendarKeeper", "CountResult",
    "DateResult", "DayVerdict", "WorkCalendar", "YearCalendar", "end_of_day", "event_from_year",
    "install_year_file", "load_year_file", "local_date", "parse_year_file", "require_aware",
    "start_of_day", "year_event_id", "year_from_event",
]
