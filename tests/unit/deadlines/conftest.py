"""Fixtures for the deadlines domain tests: the shipped rule book, the package calendar, and a
reviewed (draft: false) copy of the shipped 2027 template."""

from pathlib import Path

import pytest

from services.deadlines.domain import (
    RuleBook,
    WorkCalendar,
    YearCalendar,
    load_rule_book,
    parse_year_file,
)

TEMPLATE_2027 = Path(__file__).parents[3] / "services/deadlines/calendars/2027.yaml"


@pytest.fixture(scope="session")
def template_2027() -> Path:
    return TEMPLATE_2027


@pytest.fixture(scope="session")
def reviewed_2027_text() -> str:
    text = TEMPLATE_2027.read_text(encoding="utf-8")
    assert "draft: true" in text
    return text.replace("draft: true", "draft: false")


@pytest.fixture(scope="session")
def book() -> RuleBook:
    return load_rule_book()


@pytest.fixture(scope="session")
def calendar() -> WorkCalendar:
    return WorkCalendar()


@pytest.fixture(scope="session")
def year_2027(reviewed_2027_text: str) -> YearCalendar:
    return parse_year_file(reviewed_2027_text, origin="2027.yaml")


@pytest.fixture(scope="session")
def calendar_2027(calendar: WorkCalendar, year_2027: YearCalendar) -> WorkCalendar:
    return calendar.with_year(year_2027)
