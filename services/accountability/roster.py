"""The roster projection: which units and people exist, and who held which role on which day
(一岗双责 asks for the leader in post on the date of the fault, not today's leader)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.roster import PersonAppointed, PersonRegistered, UnitRegistered
from shared.messaging.errors import Rejected


async def upsert_unit(s: AsyncSession, schema: str, e: UnitRegistered) -> None:
    await s.execute(text(
        f'INSERT INTO "{schema}".units (unit_id, name, kind, active) VALUES (:u, :n, :k, :a) '
        "ON CONFLICT (unit_id) DO UPDATE SET name = :n, kind = :k, active = :a"),
        {"u": e.unit_id, "n": e.name, "k": e.kind.value, "a": e.active})


async def upsert_person(s: AsyncSession, schema: str, e: PersonRegistered) -> None:
    # Phone and e-mail are deliberately not projected: accountability never contacts anyone.
    await lock_unit(s, schema, e.unit_id)
    await s.execute(text(
        f'INSERT INTO "{schema}".persons (person_id, unit_id, name) VALUES (:p, :u, :n) '
        "ON CONFLICT (person_id) DO UPDATE SET unit_id = :u, name = :n"),
        {"p": e.person_id, "u": e.unit_id, "n": e.name})


async def upsert_appointment(s: AsyncSession, schema: str, e: PersonAppointed) -> None:
    await lock_unit(s, schema, e.unit_id)
    await require_persons(s, schema, [e.person_id])
    await s.execute(text(
        f'INSERT INTO "{schema}".appointments (person_id, unit_id, role, effective_from, effective_to) '
        "VALUES (:p, :u, :r, :f, :t) ON CONFLICT (person_id, unit_id, role, effective_from) "
        "DO UPDATE SET effective_to = :t"),
        {"p": e.person_id, "u": e.unit_id, "r": e.role.value, "f": e.effective_from,
         "t": e.effective_to})


async def lock_unit(s: AsyncSession, schema: str, unit_id: str) -> str:
    """Lock the unit's row for the transaction and return its name. Decisions about one unit
    are serialised by this lock: its faults count against each other (从重, 一岗双责)."""
    row = (await s.execute(text(
        f'SELECT name FROM "{schema}".units WHERE unit_id = :u FOR UPDATE'), {"u": unit_id})).first()
    if row is None:
        raise Rejected(f"unknown unit {unit_id!r}: not registered on the roster (xn.roster)",
                       code="unknown_unit")
    return row.name


async def require_persons(s: AsyncSession, schema: str, person_ids: Iterable[str]) -> None:
    wanted = sorted(set(person_ids))
    if not wanted:
        return
    known = set((await s.execute(text(
        f'SELECT person_id FROM "{schema}".persons WHERE person_id = ANY(:p)'),
        {"p": wanted})).scalars())
    missing = [p for p in wanted if p not in known]
    if missing:
        raise Rejected(f"unknown person(s) {', '.join(map(repr, missing))}: not registered on "
                       "the roster (xn.roster)", code="unknown_person")


async def holder_on(s: AsyncSession, schema: str, unit_id: str, role: str, day: date) -> str | None:
    """Who held `role` in the unit on `day`; with overlapping terms, the latest appointment."""
    return (await s.execute(text(
        f'SELECT person_id FROM "{schema}".appointments WHERE unit_id = :u AND role = :r '
        "AND effective_from <= :d AND (effective_to IS NULL OR effective_to >= :d) "
        "ORDER BY effective_from DESC, person_id LIMIT 1"),
        {"u": unit_id, "r": role, "d": day})).scalar()


async def unit_names(s: AsyncSession, schema: str) -> dict[str, str]:
    return {r.unit_id: r.name for r in await s.execute(text(
        f'SELECT unit_id, name FROM "{schema}".units'))}


async def person_names(s: AsyncSession, schema: str) -> dict[str, str]:
    return {r.person_id: r.name for r in await s.execute(text(
        f'SELECT person_id, name FROM "{schema}".persons'))}
