"""handler(tx, envelope): map each canonical event to one service call. Events this service
does not need (matter.accepted, complaint.filed, deadline.warned …) are acknowledged and ignored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from shared.envelope import Envelope, EventPayload
from shared.events import cases, complaints, deadlines, office, roster as roster_events
from shared.messaging.pipeline import Handler, Tx

from . import roster, service, sources
from .sources import EXEMPTION
from .wiring import Deps

Route = Callable[[Tx, Deps, Envelope, EventPayload], Awaitable[None]]


async def _fault(tx: Tx, deps: Deps, env: Envelope, draft: sources.FaultDraft | None) -> None:
    if draft is not None:
        await service.record_fault(tx, deps, env, draft)


async def _matter_completed(tx: Tx, deps: Deps, env: Envelope, e: cases.MatterCompleted) -> None:
    if e.exemption is not None:
        await service.exempt(tx, deps, env, subject_id=e.matter_id, unit_id=e.unit_id,
                             reason=EXEMPTION[e.exemption],
                             note=f"办结时认定免责（{e.exemption}），办件 {e.matter_id}")


async def _exemption(tx: Tx, deps: Deps, env: Envelope, e: office.ExemptionGranted) -> None:
    await service.exempt(tx, deps, env, subject_id=e.subject_id, unit_id=e.unit_id,
                         reason=EXEMPTION[e.reason.value], note=e.note)


async def _appeal_lodged(tx: Tx, deps: Deps, env: Envelope, e: office.AppealLodged) -> None:
    await service.lodge_appeal(tx, deps, env, appeal_id=e.appeal_id, measure_id=e.measure_id,
                               person_id=e.person_id, lodged_at=e.lodged_at, grounds=e.grounds)


async def _appeal_decided(tx: Tx, deps: Deps, env: Envelope, e: office.AppealDecided) -> None:
    await service.decide_appeal(tx, deps, env, appeal_id=e.appeal_id, measure_id=e.measure_id,
                                decision=e.decision.value, reduced_to=e.reduced_to,
                                decided_at=e.decided_at,
                                reason=e.reasoning or f"{e.decided_by} 复核决定")


ROUTES: dict[type[EventPayload], Route] = {
    roster_events.UnitRegistered: lambda tx, d, env, e: roster.upsert_unit(tx.session, tx.schema, e),
    roster_events.PersonRegistered: lambda tx, d, env, e: roster.upsert_person(tx.session, tx.schema, e),
    roster_events.PersonAppointed: lambda tx, d, env, e: roster.upsert_appointment(tx.session, tx.schema, e),
    cases.OneTimeNoticeBreached: lambda tx, d, env, e: _fault(tx, d, env, sources.from_one_time_notice(e)),
    cases.InspectionFindingRecorded: lambda tx, d, env, e: _fault(tx, d, env, sources.from_inspection(e)),
    cases.MatterCompleted: _matter_completed,
    complaints.ComplaintConcluded: lambda tx, d, env, e: _fault(tx, d, env, sources.from_complaint_concluded(e)),
    complaints.ComplaintReturned: lambda tx, d, env, e: _fault(
        tx, d, env, sources.from_complaint_returned(e, d.calendar)),
    deadlines.DeadlineMissed: lambda tx, d, env, e: _fault(tx, d, env, sources.from_deadline_missed(e)),
    deadlines.DeadlineMet: lambda tx, d, env, e: _fault(tx, d, env, sources.from_deadline_met(e)),
    office.ExemptionGranted: _exemption,
    office.AppealLodged: _appeal_lodged,
    office.AppealDecided: _appeal_decided,
}


def make_handler(deps: Deps) -> Handler:
    async def handle(tx: Tx, env: Envelope) -> None:
        payload = env.parsed()
        route = ROUTES.get(type(payload))
        if route is not None:
            await route(tx, deps, env, payload)

    return handle
