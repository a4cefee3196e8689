"""The accountability application service: record inputs, then reconcile the unit.

Handlers call these with parsed payloads; each runs inside the pipeline's transaction (inbox,
state change and outbox commit together)."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.clock import local
from shared.envelope import Envelope
from shared.logs import get_logger
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Tx

from . import events_out, store
from .batch_state import BatchState, state_of
from .domain import (
    AppealError, AppealRuling, Exemption, ExemptionReason, Fault, RectificationError,
    check_rectification, derive_severity, file_appeal, rule_on_appeal,
)
from .domain.vocabulary import Role
from .reconcile import reconcile
from .sources import FaultDraft
from .wiring import Deps

log = get_logger(__name__)


async def record_fault(tx: Tx, deps: Deps, env: Envelope, draft: FaultDraft) -> None:
    st = await state_of(tx, deps)
    await st.load(**needs(draft))  # nothing to read when prepare read it for the batch
    st.unit_name(draft.unit_id)  # registered (and locked: its faults count against each other)
    if draft.subject_key in st.keys_recorded:
        # e.g. the late completion of a deadline whose red card is already a fault
        log.info("lapse already recorded as a fault", subject_key=draft.subject_key)
        return
    day = draft.occurred_on
    responsible = dict(draft.responsible)
    if Role.HANDLER not in responsible:
        # Nobody named: the unit's liaison (联络员) answers for unit-level lapses.
        liaison = st.holder_on(draft.unit_id, "liaison", day)
        if liaison is None:
            raise Rejected(f"{draft.kind.value} for unit {draft.unit_id!r} on {day.isoformat()} "
                           "names no handler and the unit has no liaison in post that day",
                           code="no_responsible_person")
        responsible[Role.HANDLER] = liaison
    await st.load(persons=responsible.values())  # the liaison, when prepare could not know
    st.require_persons(responsible.values())
    fault = Fault.from_source(
        kind=draft.kind, source_event_id=str(env.event_id), unit_id=draft.unit_id,
        occurred_on=day, category=draft.category, severity=draft.severity,
        responsible=responsible, evidence=draft.evidence, working_days=draft.working_days,
        calendar_version=draft.calendar_version,
        exemption=st.exemption_for(draft.subject_id, draft.unit_id))
    await st.ensure_log(draft.unit_id, st.log_after(day))
    st.add_fault(fault, subject_key=draft.subject_key, subject_id=draft.subject_id, cause=env,
                 leader_id=_leader(st, draft.unit_id, day))
    log.debug("fault recorded", fault_id=str(fault.id), kind=fault.kind.value,
              subject_id=draft.subject_id, exempt=fault.exemption is not None)
    await tx.emit(deps.topics.accountability, events_out.fault_recorded(
        fault, derive_severity(fault, st.book_on(fault.occurred_on))[0].value, env))
    await reconcile(tx, deps, st, env, fault.unit_id, fault.sort_key)
    await st.end_of_message()


def needs(draft: FaultDraft) -> dict:
    """What deciding `draft` reads besides the unit's log (BatchState.load's arguments)."""
    return {"units": [draft.unit_id], "terms": True, "persons": draft.responsible.values(),
            "keys": [draft.subject_key], "subjects": [draft.subject_id]}


def _leader(st: BatchState, unit_id: str, day) -> str | None:
    """The leader in post that day, fixed by the first fault of that unit and day, so every
    fault of one (unit, day) names the same leader (replay looks leaders up by unit and day)."""
    first = st.log(unit_id).first_of_day(unit_id, day)
    if first is not None:
        return first.leader_id
    return st.holder_on(unit_id, "leader", day)


async def exempt(tx: Tx, deps: Deps, env: Envelope, *, subject_id: str, unit_id: str,
                 reason: str, note: str) -> None:
    st = await state_of(tx, deps)
    await st.write_through()
    await st.load(units=[unit_id])
    st.unit_name(unit_id)
    exemption = Exemption(reason=ExemptionReason(reason), note=note)
    await store.record_exemption(tx.session, tx.schema, subject_id, unit_id, exemption, env.event_id)
    for fault in await store.faults_of_subject(tx.session, tx.schema, subject_id, unit_id):
        if fault.is_exempt:
            continue
        await st.write_through()  # the previous fault's decisions, before this one changes
        cleared = fault.model_copy(update={"exemption": exemption})
        await store.update_fault(tx.session, tx.schema, cleared)
        await tx.emit(deps.topics.accountability, events_out.fault_recorded(
            cleared, derive_severity(cleared, st.book_on(cleared.occurred_on))[0].value, env))
        await reconcile(tx, deps, st, env, unit_id, cleared.sort_key)
    await st.end_of_message()


async def lodge_appeal(tx: Tx, deps: Deps, env: Envelope, *, appeal_id: str, measure_id: str,
                       person_id: str, lodged_at: datetime, grounds: str) -> None:
    st = await state_of(tx, deps)
    await st.write_through()
    await _lock(st, (await _measure(tx, measure_id)).measure.unit_id)
    sm = await _measure(tx, measure_id)  # again, under the unit's lock
    await st.load(persons=[person_id])
    st.require_persons([person_id])
    book = st.book_on(sm.measure.occurred_on)
    try:
        frozen = file_appeal(sm.measure, appellant=person_id,
                             notified_on=local(sm.decided_at).date(),
                             filed_on=local(lodged_at).date(), reason=grounds, rulebook=book,
                             working_days_between=deps.calendar.between)
    except AppealError as exc:
        raise Rejected(f"appeal {appeal_id} refused: {exc}", code="appeal_refused") from None
    await store.save_appeal(tx.session, tx.schema, appeal_id, sm.measure.id, frozen.appeal)
    await reconcile(tx, deps, st, env, sm.measure.unit_id,
                    await _fault_key(tx, sm.measure.fault_id))
    await st.end_of_message()


async def decide_appeal(tx: Tx, deps: Deps, env: Envelope, *, appeal_id: str, measure_id: str,
                        decision: str, reduced_to: str | None, decided_at: datetime,
                        reason: str) -> None:
    st = await state_of(tx, deps)
    await st.write_through()
    found = await store.appeal_row(tx.session, tx.schema, appeal_id)
    if found is None or str(found[0]) != measure_id:
        raise Rejected(f"appeal {appeal_id} on measure {measure_id} was never lodged",
                       code="unknown_appeal")
    await _lock(st, (await _measure(tx, measure_id)).measure.unit_id)
    sm = await _measure(tx, measure_id)  # again, under the unit's lock
    book = st.book_on(sm.measure.occurred_on)
    try:
        ruled = rule_on_appeal(sm.measure, ruling=AppealRuling(decision),
                               ruled_on=local(decided_at).date(), reason=reason, rulebook=book,
                               reduced_to=reduced_to)
    except AppealError as exc:
        raise Rejected(f"ruling on appeal {appeal_id} refused: {exc}", code="appeal_refused") from None
    await store.save_appeal(tx.session, tx.schema, appeal_id, sm.measure.id, ruled.appeal)
    await reconcile(tx, deps, st, env, sm.measure.unit_id,
                    await _fault_key(tx, sm.measure.fault_id))
    await tx.emit(deps.topics.accountability,
                  events_out.appeal_ruled(appeal_id, ruled, decision, reduced_to, env,
                                          original=sm.measure.code))
    await st.end_of_message()


async def record_rectification(tx: Tx, deps: Deps, env: Envelope, *, measure_id: str,
                               unit_id: str, rectified_at: datetime, report: str,
                               evidence: list[str], confirmed_by: str) -> None:
    """整改完成: record it on the measure and close its clock. Measures and scores do not
    change; a report that does not fit is refused and changes nothing. One report per measure:
    it also answers a later order of the measure (which then asks for no new clock, see domain
    orders_rectification)."""
    st = await state_of(tx, deps, books=False)
    await st.write_through()
    await _lock(st, (await _measure(tx, measure_id)).measure.unit_id)
    sm = await _measure(tx, measure_id)  # again, under the unit's lock (an appeal may rule)
    try:
        check_rectification(sm.measure, unit_id=unit_id, rectified_at=rectified_at,
                            # the start of the running order (its clock's current round):
                            # a revision keeping the order moves decided_at only
                            ordered_at=sm.ordered_at,
                            rectified_before=await store.rectified_at(
                                tx.session, tx.schema, sm.measure.id))
    except RectificationError as exc:
        raise Rejected(f"rectification of measure {measure_id} refused: {exc}",
                       code=exc.code) from None
    await store.record_rectification(
        tx.session, tx.schema, sm.measure.id, unit_id=unit_id, rectified_at=rectified_at,
        report=report, evidence=evidence, confirmed_by=confirmed_by, event_id=env.event_id)
    log.info("rectification recorded", measure_id=measure_id, rectified_at=str(rectified_at))
    await tx.emit(deps.topics.deadline_requests,
                  events_out.rectification_fulfilled(sm.measure, rectified_at, env))
    await st.end_of_message()


async def _lock(st: BatchState, unit_id: str) -> None:
    await st.load(units=[unit_id])
    st.unit_name(unit_id)


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
