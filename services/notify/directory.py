"""notify's own projections, kept from the events it consumes: the roster (units, people and
their effective-dated roles), complainants' contacts and measures. SQL only, no rules.

"A person's channels and addresses come from the roster as of today": contacts are read when a
notice is planned, and the role holders are those whose appointment covers today's local date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.complaints import ComplaintFiled
from shared.events.roster import PersonAppointed, PersonRegistered, UnitRegistered


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


class Directory:
    """The projections of one service schema, used inside the caller's transaction."""

    def __init__(self, session: AsyncSession, schema: str) -> None:
        self._s, self._schema = session, schema

    async def _exec(self, sql: str, **params):
        return await self._s.execute(text(sql.replace("{s}", f'"{self._schema}"')), params)

    # --- projection updates -------------------------------------------------------------
    async def save_unit(self, e: UnitRegistered) -> None:
        await self._exec("INSERT INTO {s}.units (unit_id, name, active) VALUES (:u, :n, :a) "
                         "ON CONFLICT (unit_id) DO UPDATE SET name = :n, active = :a",
                         u=e.unit_id, n=e.name, a=e.active)

    async def save_person(self, e: PersonRegistered) -> None:
        # A re-registration carries the person's current contacts: it replaces the old ones.
        await self._exec(
            "INSERT INTO {s}.people (person_id, name, unit_id, phone, email) "
            "VALUES (:p, :n, :u, :ph, :em) ON CONFLICT (person_id) DO UPDATE "
            "SET name = :n, unit_id = :u, phone = :ph, email = :em",
            p=e.person_id, n=e.name, u=e.unit_id, ph=e.phone, em=e.email)

    async def save_appointment(self, e: PersonAppointed) -> None:
        await self._exec(
            "INSERT INTO {s}.appointments (person_id, unit_id, role, effective_from, effective_to) "
            "VALUES (:p, :u, :r, :f, :t) ON CONFLICT (person_id, unit_id, role, effective_from) "
            "DO UPDATE SET effective_to = :t",
            p=e.person_id, u=e.unit_id, r=e.role.value, f=e.effective_from, t=e.effective_to)

    async def save_complaint(self, e: ComplaintFiled) -> None:
        c = e.complainant
        await self._exec(
            "INSERT INTO {s}.complaints (complaint_id, name, phone, email, routed_to) "
            "VALUES (:c, :n, :ph, :em, :r) ON CONFLICT (complaint_id) DO NOTHING",
            c=e.complaint_id, n=c.name, ph=c.phone, em=c.email, r=e.routed_to)

    async def save_measure(self, measure_id: str, measure: str, revision: int) -> None:
        await self._exec(
            "INSERT INTO {s}.measures (measure_id, measure, revision) VALUES (:m, :c, :r) "
            "ON CONFLICT (measure_id) DO UPDATE SET measure = :c, revision = :r "
            "WHERE {s}.measures.revision < :r", m=measure_id, c=measure, r=revision)

    # --- look-ups -----------------------------------------------------------------------
    async def person(self, person_id: str | None) -> Person | None:
        if person_id is None:
            return None
        row = (await self._exec("SELECT person_id, name, unit_id, phone, email FROM {s}.people "
                                "WHERE person_id = :p", p=person_id)).first()
        return Person(*row) if row else None

    async def unit(self, unit_id: str) -> Unit | None:
        row = (await self._exec("SELECT unit_id, name, active FROM {s}.units WHERE unit_id = :u",
                                u=unit_id)).first()
        return Unit(*row) if row else None

    async def unit_name(self, unit_id: str) -> str:
        found = await self.unit(unit_id)
        return found.name if found else unit_id  # the code is better than nothing in a notice

    async def active_units(self) -> list[Unit]:
        rows = (await self._exec("SELECT unit_id, name, active FROM {s}.units WHERE active "
                                 "ORDER BY unit_id")).all()
        return [Unit(*r) for r in rows]

    async def holders(self, unit_id: str, role: str, on: date) -> list[Person]:
        """People holding `role` in `unit_id` on day `on` (registered people only)."""
        rows = (await self._exec(
            "SELECT p.person_id, p.name, p.unit_id, p.phone, p.email "
            "FROM {s}.appointments a JOIN {s}.people p USING (person_id) "
            "WHERE a.unit_id = :u AND a.role = :r AND a.effective_from <= :d "
            "AND (a.effective_to IS NULL OR a.effective_to >= :d) ORDER BY p.person_id",
            u=unit_id, r=role, d=on)).all()
        return [Person(*r) for r in rows]

    async def complaint(self, complaint_id: str) -> tuple[Person, str] | None:
        """The complainant (as a Person keyed by the complaint) and where it was routed."""
        row = (await self._exec("SELECT name, phone, email, routed_to FROM {s}.complaints "
                                "WHERE complaint_id = :c", c=complaint_id)).first()
        if row is None:
            return None
        return Person(f"complainant.{complaint_id}", row.name, "", row.phone, row.email), row.routed_to

    async def measure_code(self, measure_id: str) -> str | None:
        return (await self._exec("SELECT measure FROM {s}.measures WHERE measure_id = :m",
                                 m=measure_id)).scalar_one_or_none()
