"""Effective-dated roles: "who led unit X on date D", and whether a person counts as the
unit's leadership (主要负责人 or 分管负责人) on a date, which decides complaint routing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.events.vocab import Role

LEADERSHIP = {Role.leader, Role.deputy}


@dataclass(frozen=True)
class Appointment:
    person_id: str
    unit_id: str
    role: Role
    effective_from: date
    effective_to: date | None = None

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def holders(appointments: Iterable[Appointment], unit_id: str, role: Role, day: date) -> list[str]:
    """Person ids holding `role` in `unit_id` on `day` (latest appointment first)."""
    found = [a for a in appointments if a.unit_id == unit_id and a.role == role and a.covers(day)]
    return [a.person_id for a in sorted(found, key=lambda a: a.effective_from, reverse=True)]


def is_leadership(appointments: Iterable[Appointment], person_id: str, unit_id: str,
                  day: date) -> bool:
    return any(a.person_id == person_id and a.unit_id == unit_id and a.role in LEADERSHIP
               and a.covers(day) for a in appointments)
