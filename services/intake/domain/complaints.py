"""效能投诉 lifecycle rules: routing (分级负责、归口管理), acceptance, 退单 with hop counting,
conclusion, the complainant's rating and reopening. Plain functions over a complaint's state."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.intake.contract import complaints as c
from services.intake.domain.errors import Conflict, InputError
from shared.envelope import EventPayload
from shared.events.complaints import (ComplaintAccepted, ComplaintConcluded, ComplaintExtended,
                                      ComplaintFiled, ComplaintRated, ComplaintRedispatched,
                                      ComplaintRefused, ComplaintReopened, ComplaintReturned)
from shared.events.vocab import COUNTY_OFFICE, ComplaintCategory, Rating

# Which states allow which step. 'reopened' behaves as 'accepted': the unit works on it again.
HANDLING = {"accepted", "reopened"}


@dataclass(frozen=True)
class Complaint:
    complaint_id: str
    target_unit_id: str
    handling_unit_id: str
    category: ComplaintCategory
    dispatched_at: datetime
    status: str = "dispatched"  # dispatched|accepted|refused|returned|concluded|closed|reopened
    hops: int = 0


Outcome = tuple[Complaint, list[EventPayload]]


def route(against_leadership: bool, target_unit_id: str, in_charge_unit_id: str | None) -> str:
    """分级负责: complaints against a unit's leadership go to the county office; 归口管理:
    the others go to the unit in charge (the target unit unless the caller names another)."""
    if against_leadership:
        return COUNTY_OFFICE
    return in_charge_unit_id or target_unit_id


def file(existing: Complaint | None, cmd: c.ComplaintFiledIn, against_leadership: bool) -> Outcome:
    if existing is not None:
        raise Conflict("complaint_id", f"complaint {cmd.complaint_id!r} was already filed")
    routed = route(against_leadership, cmd.target_unit_id, cmd.in_charge_unit_id)
    # Intake routes on receipt, so the handling unit's clock starts at filing: business time
    # from the caller, never our processing time (a backlog must not lengthen anyone's limit,
    # and a replay must give the same clocks).
    dispatched_at = cmd.filed_at
    state = Complaint(cmd.complaint_id, cmd.target_unit_id, routed, cmd.category, dispatched_at)
    return state, [ComplaintFiled(
        complaint_id=cmd.complaint_id, channel=cmd.channel, filed_at=cmd.filed_at,
        complainant=cmd.complainant, target_unit_id=cmd.target_unit_id,
        target_person_id=cmd.target_person_id, against_leadership=against_leadership,
        category=cmd.category, description=cmd.description, routed_to=routed,
        dispatched_at=dispatched_at)]


def _expect(x: Complaint, allowed: set[str], step: str) -> None:
    if x.status not in allowed:
        raise Conflict("complaint_id", f"complaint {x.complaint_id!r} is {x.status}; "
                                       f"cannot be {step}")


def _not_before(at: datetime, since: datetime, field: str) -> None:
    if at < since:
        raise InputError(field, f"is before the complaint was dispatched ({since.isoformat()})")


def accept(x: Complaint, cmd: c.ComplaintAcceptedIn) -> Outcome:
    _expect(x, {"dispatched"}, "accepted")
    _not_before(cmd.accepted_at, x.dispatched_at, "accepted_at")
    return replace(x, status="accepted"), [ComplaintAccepted(
        complaint_id=x.complaint_id, handling_unit_id=x.handling_unit_id,
        accepted_at=cmd.accepted_at)]


def refuse(x: Complaint, cmd: c.ComplaintRefusedIn) -> Outcome:
    _expect(x, {"dispatched"}, "refused")
    _not_before(cmd.refused_at, x.dispatched_at, "refused_at")
    return replace(x, status="refused"), [ComplaintRefused(
        complaint_id=x.complaint_id, handling_unit_id=x.handling_unit_id,
        refused_at=cmd.refused_at, reason=cmd.reason)]


def return_(x: Complaint, cmd: c.ComplaintReturnedIn) -> Outcome:
    """退单. Intake records every return, late ones included: whether it was within the 1
    working-day window is for accountability to judge from dispatched_at and returned_at."""
    _expect(x, {"dispatched", "accepted"}, "returned")
    _not_before(cmd.returned_at, x.dispatched_at, "returned_at")
    hop = x.hops + 1
    return replace(x, status="returned", hops=hop), [ComplaintReturned(
        complaint_id=x.complaint_id, by_unit_id=x.handling_unit_id, returned_at=cmd.returned_at,
        dispatched_at=x.dispatched_at, reason=cmd.reason, hop=hop)]


def redispatch(x: Complaint, cmd: c.ComplaintRedispatchedIn) -> Outcome:
    _expect(x, {"returned"}, "redispatched")
    _not_before(cmd.dispatched_at, x.dispatched_at, "dispatched_at")
    return replace(x, status="dispatched", handling_unit_id=cmd.to_unit_id,
                   dispatched_at=cmd.dispatched_at), [ComplaintRedispatched(
        complaint_id=x.complaint_id, to_unit_id=cmd.to_unit_id, dispatched_at=cmd.dispatched_at)]


def extend(x: Complaint, cmd: c.ComplaintExtendedIn) -> Outcome:
    _expect(x, HANDLING, "extended")
    _not_before(cmd.extended_at, x.dispatched_at, "extended_at")
    return x, [ComplaintExtended(
        complaint_id=x.complaint_id, handling_unit_id=x.handling_unit_id,
        extra_working_days=cmd.extra_working_days, reason=cmd.reason,
        approved_by=cmd.approved_by, extended_at=cmd.extended_at)]


def conclude(x: Complaint, cmd: c.ComplaintConcludedIn) -> Outcome:
    _expect(x, HANDLING, "concluded")
    _not_before(cmd.concluded_at, x.dispatched_at, "concluded_at")
    return replace(x, status="concluded"), [ComplaintConcluded(
        complaint_id=x.complaint_id, handling_unit_id=x.handling_unit_id,
        target_unit_id=x.target_unit_id, concluded_at=cmd.concluded_at,
        substantiated=cmd.substantiated, findings=cmd.findings,
        responsible_person_id=cmd.responsible_person_id, severity=cmd.severity,
        category=cmd.category or x.category)]


def rate(x: Complaint, cmd: c.ComplaintRatedIn) -> Outcome:
    """'unsatisfied' reopens the complaint: the conclusion clock runs again."""
    _expect(x, {"concluded"}, "rated")
    events: list[EventPayload] = [ComplaintRated(complaint_id=x.complaint_id, rating=cmd.rating,
                                                 rated_at=cmd.rated_at)]
    if cmd.rating != Rating.unsatisfied:
        return replace(x, status="closed"), events
    events.append(ComplaintReopened(
        complaint_id=x.complaint_id, handling_unit_id=x.handling_unit_id,
        reopened_at=cmd.rated_at, reason="complainant unsatisfied (群众不满意)"))
    return replace(x, status="reopened"), events
