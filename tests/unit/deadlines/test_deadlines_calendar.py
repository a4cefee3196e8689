"""Working-day calendar: expected dates are read off chinesecalendar 1.11.0's 2026 data
(National Day 10-01..10-07 off; make-up Sunday 09-20 and Saturday 10-10; Mid-Autumn 09-25..27)."""

from datetime import date, datetime, timedelta, timezone

import chinese_calendar
import pytest

from services.deadlines.domain import CalendarFileError, WorkCalendar, end_of_day, local_date


@pytest.mark.parametrize(
    ("day", "workday", "name"),
    [
        (date(2026, 3, 7), False, None),  # ordinary Saturday
        (date(2026, 3, 9), True, None),  # ordinary Monday
        (date(2026, 9, 20), True, "National Day"),  # make-up Sunday
        (date(2026, 9, 25), False, "Mid-autumn Festival"),  # Friday off
        (date(2026, 10, 1), False, "National Day"),
        (date(2026, 10, 7), False, "National Day"),  # Wednesday off
        (date(2026, 10, 8), True, None),
        (date(2026, 10, 10), True, "National Day"),  # make-up Saturday
        (date(2026, 10, 11), False, None),
    ],
)
def test_is_workday_2026(calendar, day, workday, name):
    verdict = calendar.is_workday(day)
    assert (verdict.workday, verdict.name, verdict.provisional) == (workday, name, False)
    assert verdict.calendar_version == "cc-1.11.0"


def test_agrees_with_chinesecalendar_on_every_known_day(calendar):
    day = date(2004, 1, 1)
    while day <= date(2026, 12, 31):
        assert calendar.is_workday(day).workday == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 3, 6), 3, date(2026, 3, 11)),  # Fri + 3 skips the weekend
        (date(2026, 3, 6), 0, date(2026, 3, 6)),
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Sunday 09-20 is a make-up workday
        (date(2026, 9, 24), 1, date(2026, 9, 28)),  # Mid-Autumn Fri..Sun off
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # across National Day
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # lands on the make-up Saturday
        (date(2026, 9, 30), 5, date(2026, 10, 13)),  # 8, 9, 10(Sat), 12, 13
    ],
)
def test_add_working_days(calendar, start, count, expected):
    result = calendar.add_working_days(start, count)
    assert (result.value, result.provisional) == (expected, False)


def test_working_days_between_is_signed_and_excludes_start(calendar):
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 13)).value == 5
    assert calendar.working_days_between(date(2026, 10, 13), date(2026, 9, 30)).value == -5
    assert calendar.working_days_between(date(2026, 10, 1), date(2026, 10, 7)).value == 0


def test_unknown_year_is_weekends_only_and_provisional(calendar):
    new_year = calendar.is_workday(date(2027, 1, 1))  # a Friday
    assert (new_year.workday, new_year.provisional) == (True, True)
    result = calendar.add_working_days(date(2026, 12, 30), 3)  # Dec 31, Jan 1 (guess), Jan 4
    assert (result.value, result.provisional) == (date(2027, 1, 4), True)
    assert not calendar.knows_year(2027)


def test_loaded_2027_is_not_provisional_and_changes_version(calendar, calendar_2027, year_2027):
    new_year = calendar_2027.is_workday(date(2027, 1, 1))
    assert (new_year.workday, new_year.name, new_year.provisional) == (False, "元旦", False)
    assert calendar_2027.is_workday(date(2027, 2, 20)).workday  # make-up Saturday
    result = calendar_2027.add_working_days(date(2026, 12, 30), 3)  # Dec 31, Jan 4, Jan 5
    assert (result.value, result.provisional) == (date(2027, 1, 5), False)
    assert calendar_2027.version == f"cc-1.11.0+county:2027@{year_2027.data_hash}"
    assert calendar_2027.version != calendar.version
    assert calendar.with_year(year_2027).version == calendar_2027.version  # stable
    assert calendar_2027.is_workday(date(2028, 1, 3)).provisional  # 2028 is still unknown


def test_draft_and_packaged_years_are_refused(calendar, year_2027):
    from dataclasses import replace

    with pytest.raises(CalendarFileError, match="draft: true"):
        calendar.with_year(replace(year_2027, draft=True))
    with pytest.raises(CalendarFileError, match="already provided by cc-1.11.0"):
        calendar.with_year(replace(year_2027, year=2026, holidays={}, workdays={}))


def test_end_of_day_and_local_date_are_shanghai_time():
    due = end_of_day(date(2026, 10, 13))
    assert due.isoformat() == "2026-10-13T23:59:59.999000+08:00"
    assert due.astimezone(timezone.utc).isoformat() == "2026-10-13T15:59:59.999000+00:00"
    assert local_date(datetime(2026, 9, 30, 17, 0, tzinfo=timezone.utc)) == date(2026, 10, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 9, 30, 17, 0))


def test_from_directory_uses_reviewed_files_and_lists_drafts(
    tmp_path, calendar_2027, reviewed_2027_text
):
    (tmp_path / "2027.yaml").write_text(reviewed_2027_text, encoding="utf-8")
    draft = (
        "year: 2028\nsource: 待发布\ndraft: true\n"
        "holidays: [{date: 2028-01-01, name: 元旦}]\nworkdays:\n"
    )
    (tmp_path / "2028.yaml").write_text(draft, encoding="utf-8")
    loaded = WorkCalendar.from_directory(tmp_path)
    assert loaded.version == calendar_2027.version
    assert loaded.skipped_drafts == (str(tmp_path / "2028.yaml"),)
    assert not loaded.knows_year(2028)


def test_shipped_calendars_directory_holds_only_the_draft_template(template_2027):
    loaded = WorkCalendar.from_directory(template_2027.parent)
    assert loaded.version == "cc-1.11.0"
    assert loaded.skipped_drafts == (str(template_2027),)
