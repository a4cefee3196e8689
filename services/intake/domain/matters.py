"""办件 lifecycle rules, as plain functions over a matter's state.

Each function checks the command against the state and returns the new state with the canonical
events to publish. 一次性告知: the first supplement request is normal; the second and every later
one on the same matter is itself a violation and is published as OneTimeNoticeBreached."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.intake.contract import cases as c
from services.intake.domain.errors import Conflict, InputError
from shared.envelope import EventPayload
from shared.events.cases import (MatterAccepted, MatterCompleted, MatterExtended, MatterPaused,
                                 MatterResumed, OneTimeNoticeBreached, SupplementRequested)


@dataclass(frozen=True)
class Matter:
    matter_id: str
    unit_id: str
    handler_id: str
    reviewer_id: str | None
    approver_id: str | None
    accepted_at: datetime
    status: str = "open"  # open | paused | completed
    supplement_requests: int = 0
    first_request_event_id: str | None = None


Outcome = tuple[Matter, list[EventPayload]]


def accept(existing: Matter | None, cmd: c.MatterAcceptedIn) -> Outcome:
    if existing is not None:
        raise Conflict("matter_id", f"matter {cmd.matter_id!r} was already accepted")
    m = Matter(cmd.matter_id, cmd.unit_id, cmd.handler_id, cmd.reviewer_id, cmd.approver_id,
               cmd.accepted_at)
    return m, [MatterAccepted(**cmd.model_dump())]


def _running(m: Matter, at: datetime, field: str) -> None:
    if m.status == "completed":
        raise Conflict("matter_id", f"matter {m.matter_id!r} is already completed")
    if at < m.accepted_at:
        raise InputError(field, f"is before the matter was accepted ({m.accepted_at.isoformat()})")


def request_supplement(m: Matter, cmd: c.SupplementIn, event_id_of_first: str | None) -> Outcome:
    """`event_id_of_first`: the event id this request will carry if it is the first one."""
    _running(m, cmd.requested_at, "requested_at")
    n = m.supplement_requests + 1
    first = m.first_request_event_id or event_id_of_first
    events: list[EventPayload] = [SupplementRequested(
        matter_id=m.matter_id, unit_id=m.unit_id, requested_at=cmd.requested_at,
        missing_documents=cmd.missing_documents, request_number=n)]
    if n >= 2:
        events.append(OneTimeNoticeBreached(
            matter_id=m.matter_id, unit_id=m.unit_id, handler_id=m.handler_id,
            reviewer_id=m.reviewer_id, approver_id=m.approver_id, request_number=n,
            requested_at=cmd.requested_at, first_request_event_id=str(first)))
    return replace(m, supplement_requests=n, first_request_event_id=first), events


def pause(m: Matter, cmd: c.MatterPausedIn) -> Outcome:
    _running(m, cmd.paused_at, "paused_at")
    if m.status == "paused":
        raise Conflict("matter_id", f"matter {m.matter_id!r} is already paused")
    return replace(m, status="paused"), [MatterPaused(
        matter_id=m.matter_id, unit_id=m.unit_id, reason=cmd.reason, paused_at=cmd.paused_at,
        note=cmd.note)]


def resume(m: Matter, cmd: c.MatterResumedIn) -> Outcome:
    _running(m, cmd.resumed_at, "resumed_at")
    if m.status != "paused":
        raise Conflict("matter_id", f"matter {m.matter_id!r} is not paused")
    return replace(m, status="open"), [MatterResumed(
        matter_id=m.matter_id, unit_id=m.unit_id, resumed_at=cmd.resumed_at)]


def extend(m: Matter, cmd: c.MatterExtendedIn) -> Outcome:
    _running(m, cmd.extended_at, "extended_at")
    return m, [MatterExtended(matter_id=m.matter_id, unit_id=m.unit_id,
                              extra_working_days=cmd.extra_working_days,
                              approved_by=cmd.approved_by, reason=cmd.reason,
                              extended_at=cmd.extended_at)]


def complete(m: Matter, cmd: c.MatterCompletedIn) -> Outcome:
    _running(m, cmd.completed_at, "completed_at")
    return replace(m, status="completed"), [MatterCompleted(
        matter_id=m.matter_id, unit_id=m.unit_id, completed_at=cmd.completed_at,
        outcome=cmd.outcome, exemption=cmd.exemption)]
