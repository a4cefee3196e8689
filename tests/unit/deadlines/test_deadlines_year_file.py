"""County year files: each malformed case names the file, the line and the date at fault."""

from datetime import date

import pytest

from services.deadlines.domain import (
    CalendarFileError,
    WorkCalendar,
    install_year_file,
    load_year_file,
    parse_year_file,
)

HEADER = "year: 2027\nsource: 国务院办公厅关于2027年部分节假日安排的通知\n"  # lines 1-2


def year_text(holidays: str, workdays: str = "  - {date: 2027-02-20, name: 春节}\n") -> str:
    # holidays start on line 4, workdays follow them
    return HEADER + "holidays:\n" + holidays + "workdays:\n" + workdays


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            year_text("  - {date: 2027-01-01, name: 元旦}\n  - {date: 2027-02-30, name: 春节}\n"),
            "f.yaml line 5: '2027-02-30' in holidays is not a valid date (YYYY-MM-DD)",
            id="malformed-date",
        ),
        pytest.param(
            year_text("  - {date: 20270101, name: 元旦}\n"),
            "f.yaml line 4: '20270101' in holidays is not YYYY-MM-DD",
            id="date-without-dashes",
        ),
        pytest.param(
            year_text("  - {date: 2028-01-01, name: 元旦}\n"),
            "f.yaml line 4: 2028-01-01 in holidays is outside the declared year 2027",
            id="outside-year",
        ),
        pytest.param(
            year_text("  - {date: 2027-01-01, name: 元旦}\n", "  - {date: 2026-12-27, name: 元旦}\n"),
            "f.yaml line 6: 2026-12-27 in workdays is outside the declared year 2027",
            id="workday-outside-year",
        ),
        pytest.param(
            year_text("  - {date: 2027-02-20, name: 春节}\n"),
            "f.yaml line 6: 2027-02-20 is listed as a make-up workday and also as a holiday (line 4)",
            id="holiday-and-workday",
        ),
        pytest.param(
            year_text("  - {date: 2027-01-01, name: 元旦}\n  - {date: 2027-01-01, name: 元旦}\n"),
            "f.yaml line 5: 2027-01-01 listed twice in holidays (first on line 4)",
            id="duplicate-holiday",
        ),
        pytest.param(
            year_text("", "  - {date: 2027-02-20, name: 春节}\n  - {date: 2027-02-20, name: 春节}\n"),
            "f.yaml line 6: 2027-02-20 listed twice in workdays (first on line 5)",
            id="duplicate-workday",
        ),
        pytest.param(
            year_text("", "  - {date: 2027-02-22, name: 春节}\n"),
            "f.yaml line 5: make-up workday 2027-02-22 is a weekday, already a working day",
            id="weekday-make-up",
        ),
        pytest.param(
            "year: 2027\nholidays: []\nworkdays: []\n",
            "f.yaml line 1: missing key(s) ['source']",
            id="missing-key",
        ),
        pytest.param(
            HEADER + "holidays: []\nworkdays: []\nholiday: []\n",
            "f.yaml line 5: unknown key 'holiday'",
            id="unknown-key",
        ),
        pytest.param(
            "year: twenty\nsource: x\nholidays: []\nworkdays: []\n",
            "f.yaml line 1: year must be an integer, got 'twenty'",
            id="year-not-integer",
        ),
        pytest.param(
            year_text("  - {date: 2027-01-01}\n"),
            "f.yaml line 4: missing key(s) ['name']",
            id="entry-without-name",
        ),
        pytest.param("year: [2027\n", "f.yaml: not valid YAML", id="broken-yaml"),
    ],
)
def test_bad_year_file_is_rejected_with_a_precise_message(text, message):
    with pytest.raises(CalendarFileError) as raised:
        parse_year_file(text, origin="f.yaml")
    assert message in str(raised.value)


def test_good_year_file_parses():
    parsed = parse_year_file(year_text("  - {date: 2027-01-01, name: 元旦}\n"), origin="f.yaml")
    assert parsed.holidays == {date(2027, 1, 1): "元旦"}
    assert parsed.workdays == {date(2027, 2, 20): "春节"}
    assert (parsed.year, parsed.draft) == (2027, False)


def test_hash_ignores_comments_but_not_dates():
    base = parse_year_file(year_text("  - {date: 2027-01-01, name: 元旦}\n"))
    commented = parse_year_file("# reviewed\n" + year_text("  - {date: 2027-01-01, name: 元旦}  # ok\n"))
    other = parse_year_file(year_text("  - {date: 2027-01-02, name: 元旦}\n"))
    assert base.data_hash == commented.data_hash != other.data_hash


def test_file_name_must_match_declared_year(tmp_path):
    path = tmp_path / "2028.yaml"
    path.write_text(year_text(""), encoding="utf-8")
    with pytest.raises(CalendarFileError, match="file name says 2028 but the file declares year 2027"):
        load_year_file(path)


def test_shipped_template_is_a_valid_draft(template_2027):
    parsed = load_year_file(template_2027)
    assert parsed.draft is True
    assert "模板" in parsed.source  # labelled as a template, not the official notice
    assert "TEMPLATE" in template_2027.read_text(encoding="utf-8").splitlines()[0]


def test_install_refuses_the_unreviewed_template(tmp_path, template_2027):
    with pytest.raises(CalendarFileError, match="marked 'draft: true'"):
        install_year_file(template_2027, tmp_path / "active")
    assert not (tmp_path / "active" / "2027.yaml").exists()


def test_install_refuses_a_year_the_package_knows(tmp_path):
    source = tmp_path / "2026.yaml"
    source.write_text("year: 2026\nsource: x\nholidays: []\nworkdays: []\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match="already provided by cc-1.11.0"):
        install_year_file(source, tmp_path / "active")


def test_install_writes_the_reviewed_file_where_the_calendar_loads_it(
    tmp_path, reviewed_2027_text, calendar_2027
):
    source = tmp_path / "incoming.yaml"
    source.write_text(reviewed_2027_text, encoding="utf-8")
    installed = install_year_file(source, tmp_path / "active")
    assert installed.year == 2027
    assert sorted(p.name for p in (tmp_path / "active").iterdir()) == ["2027.yaml"]
    assert WorkCalendar.from_directory(tmp_path / "active").version == calendar_2027.version
