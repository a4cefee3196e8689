"""handler(tx, envelope): map each canonical event to one service call, and prepare(tx,
envelopes): read at once what a batch's faults need (batch_state.py). Events this service does
not need (complaint.filed, matter.accepted, deadline.warned …) are acknowledged and ignored by
their type alone: in the end-to-end flow most events are of that kind, and their payloads were
validated by the pipeline already."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from shared.envelope import Envelope, EventPayload
from shared.events import cases, complaints, deadlines, office, roster as roster_events
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Handler, Tx

from . import roster, service, sources
from .batch_state import state_of
from .sources import EXEMPTION, FaultDraft
from .wiring import Deps

Route = Callable[[Tx, Deps, Envelope, EventPayload], Awaitable[None]]
Draft = Callable[[EventPayload, Deps], FaultDraft | None]

# Fault sources: payload -> draft (None: this event is not a fault, e.g. a deadline met on time).
DRAFTS: dict[type[EventPayload], Draft] = {
    cases.OneTimeNoticeBreached: lambda e, d: sources.from_one_time_notice(e),
    cases.InspectionFindingRecorded: lambda e, d: sources.from_inspection(e),
    complaints.ComplaintConcluded: lambda e, d: sources.from_complaint_concluded(e),
    complaints.ComplaintReturned: lambda e, d: sources.from_complaint_returned(e, d.calendar),
    deadlines.DeadlineMissed: lambda e, d: sources.from_deadline_missed(e),
    deadlines.DeadlineMet: lambda e, d: sources.from_deadline_met(e),
}
DRAFT_BY_TYPE = {cls.event_type: draft for cls, draft in DRAFTS.items()}


async def _fault(tx: Tx, deps: Deps, env: Envelope, e: EventPayload) -> None:
    draft = DRAFTS[type(e)](e, deps)
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


async def _rectification(tx: Tx, deps: Deps, env: Envelope,
                         e: office.RectificationCompleted) -> None:
    await service.record_rectification(tx, deps, env, measure_id=e.measure_id, unit_id=e.unit_id,
                                       rectified_at=e.rectified_at, report=e.report,
                                       evidence=list(e.evidence), confirmed_by=e.confirmed_by)


async def _roster(tx: Tx, deps: Deps, env: Envelope, e: EventPayload) -> None:
    await roster.project(await state_of(tx, deps, books=False), e)


ROUTES: dict[type[EventPayload], Route] = {
    roster_events.UnitRegistered: _roster,
    roster_events.PersonRegistered: _roster,
    roster_events.PersonAppointed: _roster,
    **{cls: _fault for cls in DRAFTS},
    cases.MatterCompleted: _matter_completed,
    office.ExemptionGranted: _exemption,
    office.AppealLodged: _appeal_lodged,
    office.AppealDecided: _appeal_decided,
    office.RectificationCompleted: _rectification,
}
ROUTE_BY_TYPE = {cls.event_type: route for cls, route in ROUTES.items()}
ACCEPTS = frozenset(ROUTE_BY_TYPE)  # the pipeline passes over anything else unparsed


def make_handler(deps: Deps) -> Handler:
    async def handle(tx: Tx, env: Envelope) -> None:
        route = ROUTE_BY_TYPE.get(env.event_type)
        if route is None:
            return
        st = tx.scratch.get("accountability")
        payload = st.parsed.pop(env.event_id, None) if st is not None else None
        await route(tx, deps, env, payload or env.parsed())

    return handle


def make_prepare(deps: Deps) -> Callable[[Tx, list[Envelope]], Awaitable[None]]:
    async def prepare(tx: Tx, envs: list[Envelope]) -> None:
        """Read what the batch's faults need in a few statements (see batch_state.py). Only a
        prefetch: an event whose draft cannot be made here is left to its handler, which
        raises the error for that event alone."""
        parsed, drafts = {}, []
        for env in envs:
            to_draft = DRAFT_BY_TYPE.get(env.event_type)
            if to_draft is None:
                continue
            try:
                payload = parsed[env.event_id] = env.parsed()
                draft = to_draft(payload, deps)
            except Exception:
                continue
            if draft is not None:
                drafts.append(draft)
        if not parsed:
            return
        st = await state_of(tx, deps)
        st.parsed.update(parsed)
        logs: dict[str, object] = {}
        for d in drafts:
            try:
                after = st.log_after(d.occurred_on)
            except Rejected:
                continue
            logs[d.unit_id] = min(after, logs.get(d.unit_id, after))
        await st.load(units=[d.unit_id for d in drafts], terms=True, logs=logs, scores=True,
                      persons=[p for d in drafts for p in d.responsible.values()],
                      keys=[d.subject_key for d in drafts], subjects=[d.subject_id for d in drafts])

    return prepare
