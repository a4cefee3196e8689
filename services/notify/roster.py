"""The roster (units, people and their effective-dated roles) in memory, one copy per consumer.

notify keeps the roster from the roster events it consumes; it changes rarely and is read for
every notice, so reading it from PostgreSQL per event cost more than everything else the consumer
does. The tables stay the record (the CLI and `resend` read them); this is a copy of them,
so the tables are written through roster events only (a hand edit must also change the token).

The copy is checked once per transaction against `roster_version.token`, which every roster
write replaces with a new random value. A changed token means another replica wrote, or one of
our own transactions rolled back after the copy had taken its writes: the copy is reloaded
(three statements). Each consumer runs one transaction at a time, so one copy per handler."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from .store import sql


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    unit_id: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    active: bool = True


class Roster:
    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}
        self.people: dict[str, Person] = {}
        # (unit, role) → {(person, effective_from): effective_to}, as the appointments' key
        self._roles: dict[tuple[str, str], dict[tuple[str, date], date | None]] = {}

    def put_unit(self, unit: Unit) -> None:
        self.units[unit.unit_id] = unit

    def put_person(self, person: Person) -> None:
        self.people[person.person_id] = person

    def put_appointment(self, person_id: str, unit_id: str, role: str, effective_from: date,
                        effective_to: date | None) -> None:
        self._roles.setdefault((unit_id, role), {})[(person_id, effective_from)] = effective_to

    def unit_name(self, unit_id: str) -> str:
        found = self.units.get(unit_id)
        return found.name if found else unit_id  # the code is better than nothing in a notice

    def person(self, person_id: str | None) -> Person | None:
        return self.people.get(person_id) if person_id is not None else None

    def active_units(self) -> list[Unit]:
        return sorted((u for u in self.units.values() if u.active), key=lambda u: u.unit_id)

    def holders(self, unit_id: str, role: str, on: date) -> list[Person]:
        """People holding `role` in `unit_id` on day `on` (registered people only), by id."""
        ids = {pid for (pid, start), end in self._roles.get((unit_id, role), {}).items()
               if start <= on and (end is None or end >= on)}
        return [self.people[pid] for pid in sorted(ids) if pid in self.people]


class RosterCache:
    def __init__(self) -> None:
        self.roster = Roster()
        self.token: uuid.UUID | None = None

    async def current(self, session: AsyncSession, schema: str) -> Roster:
        token = (await session.execute(sql(schema, "SELECT token FROM {s}.roster_version"))
                 ).scalar_one()
        if token != self.token:
            self.roster, self.token = await _load(session, schema), token
        return self.roster

    def changed(self) -> uuid.UUID:
        """Our transaction wrote the roster: the token it will commit, which the copy (already
        holding the write) takes now. Should the transaction roll back, the token in the
        table stays the old one, and the next check reloads."""
        self.token = uuid.uuid4()
        return self.token


async def _load(session: AsyncSession, schema: str) -> Roster:
    r = Roster()
    for row in await session.execute(sql(schema, "SELECT unit_id, name, active FROM {s}.units")):
        r.put_unit(Unit(*row))
    for row in await session.execute(sql(
            schema, "SELECT person_id, name, unit_id, phone, email FROM {s}.people")):
        r.put_person(Person(*row))
    for row in await session.execute(sql(
            schema, "SELECT person_id, unit_id, role, effective_from, effective_to "
                    "FROM {s}.appointments")):
        r.put_appointment(*row)
    return r

