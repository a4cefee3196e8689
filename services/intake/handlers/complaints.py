"""效能投诉: check references, apply the rules in domain/complaints.py, publish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from services.intake.context import Ctx, case_correlation
from services.intake.contract import complaints as c
from services.intake.domain import complaints as rules
from services.intake.domain.roster import is_leadership
from services.intake.domain.errors import UnknownReference
from shared.clock import local
from shared.envelope import EventPayload


async def _publish(ctx: Ctx, x: rules.Complaint, events: list[EventPayload], at: datetime) -> None:
    await ctx.store.put_complaint(x)
    for e in events:
        await ctx.publish(ctx.topics.complaints, e, key=x.complaint_id, occurred_at=at,
                          unit_id=x.target_unit_id,
                          correlation=case_correlation("complaint", x.complaint_id))


async def file_complaint(ctx: Ctx, cmd: c.ComplaintFiledIn) -> None:
    await ctx.require_unit("target_unit_id", cmd.target_unit_id)
    person = await ctx.require_person("target_person_id", cmd.target_person_id)
    if cmd.in_charge_unit_id is not None:
        await ctx.require_unit("in_charge_unit_id", cmd.in_charge_unit_id)
    against = cmd.against_leadership
    if against is None:  # decided from the roster as of the filing date (一岗双责 holders)
        against = person is not None and is_leadership(
            await ctx.appointments(cmd.target_unit_id), person["person_id"],
            cmd.target_unit_id, local(cmd.filed_at).date())
    existing = await ctx.store.complaint(cmd.complaint_id)
    x, events = rules.file(existing, cmd, against)
    await _publish(ctx, x, events, cmd.filed_at)


async def _existing(ctx: Ctx, complaint_id: str) -> rules.Complaint:
    x = await ctx.store.complaint(complaint_id)
    if x is None:
        raise UnknownReference("complaint_id", "complaint", complaint_id)
    return x


def _step(rule: Callable, at_field: str, *checks: tuple[str, str]
          ) -> Callable[[Ctx, object], Awaitable[None]]:
    """A lifecycle step: check referenced people/units, apply `rule`, publish."""
    async def handle(ctx: Ctx, cmd) -> None:
        for kind, f in checks:
            if kind == "person":
                await ctx.require_person(f, getattr(cmd, f))
            else:
                await ctx.require_unit(f, getattr(cmd, f), office_ok=True)
        x, events = rule(await _existing(ctx, cmd.complaint_id), cmd)
        await _publish(ctx, x, events, getattr(cmd, at_field))
    return handle


accept_complaint = _step(rules.accept, "accepted_at")
refuse_complaint = _step(rules.refuse, "refused_at")
return_complaint = _step(rules.return_, "returned_at")
redispatch_complaint = _step(rules.redispatch, "dispatched_at", ("unit", "to_unit_id"))
extend_complaint = _step(rules.extend, "extended_at", ("person", "approved_by"))
conclude_complaint = _step(rules.conclude, "concluded_at", ("person", "responsible_person_id"))
rate_complaint = _step(rules.rate, "rated_at")
