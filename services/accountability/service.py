"""The accountability application service: record inputs, then reconcile the unit.

Handlers call these with parsed payloads; each runs inside the pipeline's transaction (inbox,
state change and outbox commit together)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text

from shared.clock import local
from shared.envelope import Envelope
from shared.logs import get_logger
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Tx

from . import events_out, roster, store
from .domain import (
    AppealError, AppealRuling, Exemption, ExemptionReason, Fault, derive_severity, file_appeal,
    rule_on_appeal,
)
from .domain.vocabulary import Role
from .reconcile import book_on, reconcile
from .sources import FaultDraft
from .wiring import Deps

log = get_logger(__name__)


async def record_fault(tx: Tx, deps: Deps, env: Envelope, draft: FaultDraft) -> None:
    s, schema = tx.session, tx.schema
    await roster.lock_unit(s, schema, draft.unit_id)
    if await store.subject_recorded(s, schema, draft.subject_key):
        # e.g. the late completion of a deadline whose red card is already a fault
        log.info("lapse already recorded as a fault", subject_key=draft.subject_key)
        return
    day = draft.occurred_on
    responsible = dict(draft.responsible)
    if Role.HANDLER not in responsible:
        # Nobody named: the unit's liaison (联络员) answers for unit-level lapses.
        liaison = await roster.holder_on(s, schema, draft.unit_id, "liaison", day)
        if liaison is None:
            raise Rejected(f"{draft.kind.value} for unit {draft.unit_id!r} on {day.isoformat()} "
                           "names no handler and the unit has no liaison in post that day",
                           code="no_responsible_person")
        responsible[Role.HANDLER] = liaison
    await roster.require_persons(s, schema, responsible.values())
    fault = Fault.from_source(
        kind=draft.kind, source_event_id=str(env.event_id), unit_id=draft.unit_id,
        occurred_on=day, category=draft.category, severity=draft.severity,
        responsible=responsible, evidence=draft.evidence, working_days=draft.working_days,
        calendar_version=draft.calendar_version,
        exemption=await store.exemption_for(s, schema, draft.subject_id, draft.unit_id))
    await store.insert_fault(s, schema, fault, subject_key=draft.subject_key,
                             subject_id=draft.subject_id, cause=env,
                             leader_id=await _leader(tx, draft.unit_id, day))
    log.info("fault recorded", fault_id=str(fault.id), kind=fault.kind.value,
             subject_id=draft.subject_id, exempt=fault.exemption is not None)
    await tx.emit(deps.topics.accountability, events_out.fault_recorded(
        fault, await _severity(tx, deps, fault), env))
    await reconcile(tx, deps, env, fault.unit_id, fault.sort_key)


async def _severity(tx: Tx, deps: Deps, fault: Fault) -> str:
    return derive_severity(fault, await book_on(tx, deps, fault.occurred_on))[0].value


async def _leader(tx: Tx, unit_id: str, day) -> str | None:
    """The leader in post that day, fixed by the first fault of that unit and day, so every
    fault of one (unit, day) names the same leader (replay looks leaders up by unit and day)."""
    s, schema = tx.session, tx.schema
    first = (await s.execute(text(
        f'SELECT leader_id FROM "{schema}".faults WHERE unit_id = :u AND occurred_on = :d '
        "ORDER BY seq LIMIT 1"), {"u": unit_id, "d": day})).first()
    if first is not None:
        return first.leader_id
    return await roster.holder_on(s, schema, unit_id, "leader", day)


async def exempt(tx: Tx, deps: Deps, env: Envelope, *, subject_id: str, unit_id: str,
                 reason: str, note: str) -> None:
    s, schema = tx.session, tx.schema
    await roster.lock_unit(s, schema, unit_id)
    exemption = Exemption(reason=ExemptionReason(reason), note=note)
    await store.record_exemption(s, schema, subject_id, unit_id, exemption, env.event_id)
    for fault in await store.faults_of_subject(s, schema, subject_id, unit_id):
        if fault.is_exempt:
            continue
        cleared = fault.model_copy(update={"exemption": exemption})
        await store.update_fault(s, schema, cleared)
        await tx.emit(deps.topics.accountability, events_out.fault_recorded(
            cleared, await _severity(tx, deps, cleared), env))
        await reconcile(tx, deps, env, unit_id, cleared.sort_key)


async def lodge_appeal(tx: Tx, deps: Deps, env: Envelope, *, appeal_id: str, measure_id: str,
                       person_id: str, lodged_at: datetime, grounds: str) -> None:
    s, schema = tx.session, tx.schema
    await roster.lock_unit(s, schema, (await _measure(tx, measure_id)).measure.unit_id)
    sm = await _measure(tx, measure_id)  # again, under the unit's lock
    await roster.require_persons(s, schema, [person_id])
    book = await book_on(tx, deps, sm.measure.occurred_on)
    try:
        frozen = file_appeal(sm.measure, appellant=person_id,
                             notified_on=local(sm.decided_at).date(),
                             filed_on=local(lodged_at).date(), reason=grounds, rulebook=book,
                             working_days_between=deps.calendar.between)
    except AppealError as exc:
        raise Rejected(f"appeal {appeal_id} refused: {exc}", code="appeal_refused") from None
    await store.save_appeal(s, schema, appeal_id, sm.measure.id, frozen.appeal)
    await reconcile(tx, deps, env, sm.measure.unit_id, await _fault_key(tx, sm.measure.fault_id))


async def decide_appeal(tx: Tx, deps: Deps, env: Envelope, *, appeal_id: str, measure_id: str,
                        decision: str, reduced_to: str | None, decided_at: datetime,
                        reason: str) -> None:
    s, schema = tx.session, tx.schema
    found = await store.appeal_row(s, schema, appeal_id)
    if found is None or str(found[0]) != measure_id:
        raise Rejected(f"appeal {appeal_id} on measure {measure_id} was never lodged",
                       code="unknown_appeal")
    await roster.lock_unit(s, schema, (await _measure(tx, measure_id)).measure.unit_id)
    sm = await _measure(tx, measure_id)  # again, under the unit's lock
    book = await book_on(tx, deps, sm.measure.occurred_on)
    try:
        ruled = rule_on_appeal(sm.measure, ruling=AppealRuling(decision),
                               ruled_on=local(decided_at).date(), reason=reason, rulebook=book,
                               reduced_to=reduced_to)
    except AppealError as exc:
        raise Rejected(f"ruling on appeal {appeal_id} refused: {exc}", code="appeal_refused") from None
    await store.save_appeal(s, schema, appeal_id, sm.measure.id, ruled.appeal)
    await reconcile(tx, deps, env, sm.measure.unit_id, await _fault_key(tx, sm.measure.fault_id))
    await tx.emit(deps.topics.accountability,
                  events_out.appeal_ruled(appeal_id, ruled, decision, reduced_to, env))


async def _measure(tx: Tx, measure_id: str) -> store.StoredMeasure:
    try:
        mid = uuid.UUID(measure_id)
    except ValueError:
        raise Rejected(f"measure id {measure_id!r} is not a UUID", code="unknown_measure") from None
    sm = await store.measure_by_id(tx.session, tx.schema, mid)
    if sm is None or sm.superseded:
        raise Rejected(f"unknown measure {measure_id}: no measure in force with that id",
                       code="unknown_measure")
    return sm


async def _fault_key(tx: Tx, fault_id: uuid.UUID):
    return (await store.fault_by_id(tx.session, tx.schema, fault_id)).sort_key
