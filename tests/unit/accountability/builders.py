"""Small builders so each test states only what matters to it."""

from datetime import date, timedelta

from services.accountability.domain import (
    Exemption, Fault, FaultKind, LeaderLookup, RuleBook, Severity, load_rulebook,
)
from services.accountability.domain.vocabulary import Role

DEFAULT_BOOK: RuleBook = load_rulebook()


def fault(
    n: int | str, *, on: date, kind: FaultKind | str = FaultKind.DEADLINE_MISSED, unit: str = "U1",
    category: str = "限时办结", severity: Severity | None = Severity.GENERAL, handler: str = "P-handler",
    reviewer: str | None = None, approver: str | None = None, lateness: int | None = None,
    exemption: Exemption | None = None,
) -> Fault:
    responsible = {Role.HANDLER: handler}
    if reviewer:
        responsible[Role.REVIEWER] = reviewer
    if approver:
        responsible[Role.APPROVER] = approver
    return Fault.from_source(
        kind=kind, source_event_id=f"evt-{n}", unit_id=unit, occurred_on=on, category=category,
        severity=severity, responsible=responsible,
        working_days={"lateness": lateness} if lateness is not None else {},
        calendar_version="cn-2026.1" if lateness is not None else None, exemption=exemption,
    )


def roster(terms: dict[str, list[tuple[date, date | None, str]]]) -> LeaderLookup:
    """unit -> [(from, to inclusive or None, person)]."""
    def leader_of(unit_id: str, on: date) -> str | None:
        for start, end, person in terms.get(unit_id, []):
            if start <= on and (end is None or on <= end):
                return person
        return None
    return leader_of


def no_leader(unit_id: str, on: date) -> None:
    return None


def weekdays_between(start: date, end: date) -> int:
    """Stand-in calendar: Mon–Fri in (start, end]. The real one belongs to the deadlines service."""
    days, d = 0, start
    while d < end:
        d += timedelta(days=1)
        days += d.weekday() < 5
    return days


def codes(measures) -> list[tuple[str, str]]:
    return [(m.person_id, m.code) for m in measures]
