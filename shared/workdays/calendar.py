"""The working-day calendar: chinesecalendar for the years it knows, county year files for later
years, and a visible weekends-only fallback (PROVISIONAL) for years nobody has loaded yet.

Every answer carries `provisional` and `calendar_version`, so a deadline can record exactly which
data it was computed with and a recompute can tell whether that data has changed.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path

from .errors import CalendarFileError
from .localtime import end_of_day as _end_of_day
from .year_file import YearCalendar, load_year_file

PACKAGE_LABEL = f"cc-{importlib.metadata.version('chinesecalendar')}"


@dataclass(frozen=True)
class DayVerdict:
    day: date
    workday: bool
    name: str | None  # holiday or make-up name, None for an ordinary day
    provisional: bool  # True: year unknown, decided by weekday alone
    calendar_version: str


@dataclass(frozen=True)
class DateResult:
    value: date
    provisional: bool
    calendar_version: str


@dataclass(frozen=True)
class CountResult:
    value: int
    provisional: bool
    calendar_version: str


@dataclass(frozen=True)
class _PackageData:
    holidays: dict[date, str]
    workdays: dict[date, str]
    years: range


@cache
def _package_data() -> _PackageData:
    """Bulk-load chinesecalendar's tables once; its per-day API raises for unknown years."""
    from chinese_calendar import constants

    holidays = {d: str(n) for d, n in constants.holidays.items()}
    workdays = {d: str(n) for d, n in constants.workdays.items()}
    years = [d.year for d in holidays] + [d.year for d in workdays]
    return _PackageData(holidays, workdays, range(min(years), max(years) + 1))


class WorkCalendar:
    """Immutable; `with_year` returns a new calendar, so a computation never sees a half-load."""

    def __init__(self, county_years: Iterable[YearCalendar] = (), skipped_drafts: Iterable[str] = ()):
        self._package = _package_data()
        self._county: dict[int, YearCalendar] = {}
        for year_calendar in county_years:
            self._check_usable(year_calendar)
            if year_calendar.year in self._county:
                raise CalendarFileError(
                    f"{year_calendar.origin}: year {year_calendar.year} given twice "
                    f"(also {self._county[year_calendar.year].origin})"
                )
            self._county[year_calendar.year] = year_calendar
        # Drafts found in the calendars directory are not used; kept here so the service logs them.
        self.skipped_drafts: tuple[str, ...] = tuple(skipped_drafts)
        county_part = ",".join(self._county[y].label for y in sorted(self._county))
        self.version = PACKAGE_LABEL + (f"+county:{county_part}" if county_part else "")

    @classmethod
    def from_directory(cls, directory: str | Path) -> WorkCalendar:
        """Load every `<year>.yaml` in `directory`; drafts are skipped (and listed), never used."""
        loaded, drafts = [], []
        for path in sorted(Path(directory).glob("*.yaml")):
            year_calendar = load_year_file(path)
            (drafts if year_calendar.draft else loaded).append(year_calendar)
        return cls(loaded, skipped_drafts=[d.origin for d in drafts])

    def with_year(self, year_calendar: YearCalendar) -> WorkCalendar:
        """A new calendar with `year_calendar` added, replacing an earlier file for that year."""
        others = [yc for y, yc in self._county.items() if y != year_calendar.year]
        return WorkCalendar([*others, year_calendar], self.skipped_drafts)

    def _check_usable(self, year_calendar: YearCalendar) -> None:
        if year_calendar.draft:
            raise CalendarFileError(
                f"{year_calendar.origin}: marked 'draft: true'; check it against the State Council "
                "notice and set 'draft: false' before loading"
            )
        if year_calendar.year in self._package.years:
            raise CalendarFileError(
                f"{year_calendar.origin}: year {year_calendar.year} is already provided by "
                f"{PACKAGE_LABEL}; county files are only for years it does not know"
            )

    @property
    def known_years(self) -> tuple[int, ...]:
        return (*self._package.years, *sorted(self._county))

    def knows_year(self, year: int) -> bool:
        return year in self._package.years or year in self._county

    def is_workday(self, day: date) -> DayVerdict:
        if day.year in self._package.years:
            holidays, workdays = self._package.holidays, self._package.workdays
        elif day.year in self._county:
            holidays, workdays = self._county[day.year].holidays, self._county[day.year].workdays
        else:
            # Unknown year: the safe guess is "weekdays work", but it is flagged, never silent.
            return DayVerdict(day, day.weekday() < 5, None, True, self.version)
        if day in holidays:
            return DayVerdict(day, False, holidays[day], False, self.version)
        if day in workdays:
            return DayVerdict(day, True, workdays[day], False, self.version)
        return DayVerdict(day, day.weekday() < 5, None, False, self.version)

    def add_working_days(self, start: date, count: int) -> DateResult:
        """The `count`-th working day after `start` (start itself not counted); count=0 → start."""
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        day, provisional = start, False
        while count > 0:
            day += timedelta(days=1)
            verdict = self.is_workday(day)
            provisional |= verdict.provisional
            count -= verdict.workday
        return DateResult(day, provisional, self.version)

    def next_working_day(self, day: date, *, inclusive: bool = True) -> DateResult:
        """`day` itself if it is a working day (when inclusive), else the next working day."""
        provisional = False
        if not inclusive:
            day += timedelta(days=1)
        while True:
            verdict = self.is_workday(day)
            provisional |= verdict.provisional
            if verdict.workday:
                return DateResult(day, provisional, self.version)
            day += timedelta(days=1)

    def working_days_between(self, start: date, end: date) -> CountResult:
        """Working days d with start < d <= end; negative when end is before start."""
        sign, low, high = (1, start, end) if start <= end else (-1, end, start)
        count, provisional, day = 0, False, low
        while day < high:
            day += timedelta(days=1)
            verdict = self.is_workday(day)
            provisional |= verdict.provisional
            count += verdict.workday
        return CountResult(sign * count, provisional, self.version)

    @staticmethod
    def end_of_day(day: date) -> datetime:
        return _end_of_day(day)

    def __repr__(self) -> str:
        return f"WorkCalendar({self.version!r})"
