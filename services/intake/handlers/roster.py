"""Roster and campaign: store what changed, publish one event per change. Re-importing an
unchanged file publishes nothing, so imports can be repeated safely."""

from __future__ import annotations

from services.intake.context import Ctx, case_correlation
from services.intake.contract.roster import AppointmentIn, CampaignIn, PersonIn, UnitIn
from services.intake.domain.errors import InputError, UnknownReference
from services.intake.domain.roster import Appointment
from shared.events.roster import CampaignConfigured, PersonAppointed, PersonRegistered, UnitRegistered


async def register_unit(ctx: Ctx, cmd: UnitIn) -> None:
    new = cmd.model_dump(mode="json")
    if await ctx.store.unit(cmd.unit_id) == new:
        return
    await ctx.store.put_unit(new)
    ctx.forget("unit", cmd.unit_id)
    await ctx.publish(ctx.topics.roster, UnitRegistered(**new), key=cmd.unit_id,
                      occurred_at=ctx.now(), unit_id=cmd.unit_id,
                      correlation=case_correlation("unit", cmd.unit_id))


async def register_person(ctx: Ctx, cmd: PersonIn) -> None:
    await ctx.require_unit("unit_id", cmd.unit_id)
    new = cmd.model_dump(mode="json")
    if await ctx.store.person(cmd.person_id) == new:
        return
    await ctx.store.put_person(new)
    ctx.forget("person", cmd.person_id)
    await ctx.publish(ctx.topics.roster, PersonRegistered(**new), key=cmd.unit_id,
                      occurred_at=ctx.now(), unit_id=cmd.unit_id,
                      correlation=case_correlation("unit", cmd.unit_id))


async def appoint(ctx: Ctx, cmd: AppointmentIn) -> None:
    await ctx.require_unit("unit_id", cmd.unit_id)
    await ctx.require_person("person_id", cmd.person_id)
    changed = await ctx.store.put_appointment(Appointment(
        cmd.person_id, cmd.unit_id, cmd.role, cmd.effective_from, cmd.effective_to))
    if not changed:
        return
    ctx.forget("appointments", cmd.unit_id)
    await ctx.publish(ctx.topics.roster, PersonAppointed(**cmd.model_dump()), key=cmd.unit_id,
                      occurred_at=ctx.now(), unit_id=cmd.unit_id,
                      correlation=case_correlation("unit", cmd.unit_id))


async def configure_campaign(ctx: Ctx, cmd: CampaignIn) -> None:
    unit_ids = cmd.unit_ids if cmd.unit_ids is not None else await ctx.store.active_unit_ids()
    if not unit_ids:
        raise InputError("unit_ids", "no units: register units first or list them")
    for i, unit_id in enumerate(unit_ids):
        if await ctx.store.unit(unit_id) is None:
            raise UnknownReference(f"unit_ids[{i}]", "unit", unit_id)
    for i, r in enumerate(cmd.reports):
        if r.due.year != cmd.year:
            raise InputError(f"reports[{i}].due", f"{r.due} is not in campaign year {cmd.year}")
    for i, p in enumerate(cmd.phases):
        if p.end < p.start:
            raise InputError(f"phases[{i}].end", "is before the phase's start")
    event = CampaignConfigured(**{**cmd.model_dump(), "unit_ids": unit_ids})
    body = event.model_dump(mode="json")
    if await ctx.store.campaign(cmd.campaign_id) == body:
        return
    await ctx.store.put_campaign(cmd.campaign_id, body)
    await ctx.publish(ctx.topics.roster, event, key=cmd.campaign_id, occurred_at=ctx.now(),
                      unit_id=None, correlation=case_correlation("campaign", cmd.campaign_id))
