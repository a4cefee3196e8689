"""The roster projection: which units and people exist, and who held which role on which day
(一岗双责 asks for the leader in post on the date of the fault, not today's leader).

Written as roster events arrive; read by the batch state (batch_state.py, bulk.py), which is
told here when what it holds for a unit is out of date."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.envelope import EventPayload
from shared.events.roster import PersonAppointed, PersonRegistered, UnitRegistered

from .batch_state import BatchState
from .bulk import sql


async def project(st: BatchState, e: EventPayload) -> None:
    if isinstance(e, UnitRegistered):
        await upsert_unit(st, e)
    elif isinstance(e, PersonRegistered):
        await upsert_person(st, e)
    elif isinstance(e, PersonAppointed):
        await upsert_appointment(st, e)


async def upsert_unit(st: BatchState, e: UnitRegistered) -> None:
    await st.s.execute(sql(
        "INSERT INTO {s}.units (unit_id, name, kind, active) VALUES (:u, :n, :k, :a) "
        "ON CONFLICT (unit_id) DO UPDATE SET name = :n, kind = :k, active = :a", st.schema),
        {"u": e.unit_id, "n": e.name, "k": e.kind.value, "a": e.active})


async def upsert_person(st: BatchState, e: PersonRegistered) -> None:
    # Phone and e-mail are deliberately not projected: accountability never contacts anyone.
    await st.load(units=[e.unit_id])  # locks the unit, once per batch
    st.unit_name(e.unit_id)
    await st.s.execute(sql(
        "INSERT INTO {s}.persons (person_id, unit_id, name) VALUES (:p, :u, :n) "
        "ON CONFLICT (person_id) DO UPDATE SET unit_id = :u, name = :n", st.schema),
        {"p": e.person_id, "u": e.unit_id, "n": e.name})
    st.roster_changed(e.unit_id, registered=e.person_id)


async def upsert_appointment(st: BatchState, e: PersonAppointed) -> None:
    await st.load(units=[e.unit_id], persons=[e.person_id])
    st.unit_name(e.unit_id)
    st.require_persons([e.person_id])
    await st.s.execute(sql(
        "INSERT INTO {s}.appointments (person_id, unit_id, role, effective_from, effective_to) "
        "VALUES (:p, :u, :r, :f, :t) ON CONFLICT (person_id, unit_id, role, effective_from) "
        "DO UPDATE SET effective_to = :t", st.schema),
        {"p": e.person_id, "u": e.unit_id, "r": e.role.value, "f": e.effective_from,
         "t": e.effective_to})
    st.roster_changed(e.unit_id)


async def unit_names(s: AsyncSession, schema: str) -> dict[str, str]:
    return {r.unit_id: r.name for r in await s.execute(text(
        f'SELECT unit_id, name FROM "{schema}".units'))}


async def person_names(s: AsyncSession, schema: str) -> dict[str, str]:
    return {r.person_id: r.name for r in await s.execute(text(
        f'SELECT person_id, name FROM "{schema}".persons'))}
