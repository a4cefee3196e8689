"""Appeals (申诉), exemptions and confirmed rectifications entered by the county efficiency office."""

from __future__ import annotations

from services.intake.context import Ctx, case_correlation
from services.intake.contract.office import (
    AppealDecidedIn, AppealLodgedIn, ExemptionIn, RectificationIn,
)
from services.intake.domain.errors import Conflict, UnknownReference
from shared.events.office import (
    AppealDecided, AppealLodged, ExemptionGranted, RectificationCompleted,
)


async def lodge_appeal(ctx: Ctx, cmd: AppealLodgedIn) -> None:
    person = await ctx.require_person("person_id", cmd.person_id)
    if not await ctx.store.claim_id("appeals", "appeal_id", cmd.appeal_id,
                                    measure_id=cmd.measure_id, person_id=cmd.person_id,
                                    status="lodged"):
        raise Conflict("appeal_id", f"appeal {cmd.appeal_id!r} was already lodged")
    # Keyed and correlated by the measure, so the appeal travels with the measure it contests.
    await ctx.publish(ctx.topics.office, AppealLodged(**cmd.model_dump()), key=cmd.measure_id,
                      occurred_at=cmd.lodged_at, unit_id=person["unit_id"],
                      correlation=case_correlation("measure", cmd.measure_id))


async def decide_appeal(ctx: Ctx, cmd: AppealDecidedIn) -> None:
    appeal = await ctx.store.appeal(cmd.appeal_id)
    if appeal is None:
        raise UnknownReference("appeal_id", "appeal", cmd.appeal_id)
    if appeal["status"] != "lodged":
        raise Conflict("appeal_id", f"appeal {cmd.appeal_id!r} is already decided")
    await ctx.store.set_appeal_status(cmd.appeal_id, "decided")
    person = await ctx.store.person(appeal["person_id"])
    await ctx.publish(ctx.topics.office, AppealDecided(
        measure_id=appeal["measure_id"], **cmd.model_dump()), key=appeal["measure_id"],
        occurred_at=cmd.decided_at, unit_id=person["unit_id"] if person else None,
        correlation=case_correlation("measure", appeal["measure_id"]))


async def grant_exemption(ctx: Ctx, cmd: ExemptionIn) -> None:
    await ctx.require_unit("unit_id", cmd.unit_id)
    if not await ctx.store.claim_id("exemptions", "subject_id", cmd.subject_id,
                                    unit_id=cmd.unit_id):
        raise Conflict("subject_id", f"an exemption for {cmd.subject_id!r} was already granted")
    kind = ("matter" if await ctx.store.matter(cmd.subject_id)
            else "complaint" if await ctx.store.complaint(cmd.subject_id) else "finding")
    await ctx.publish(ctx.topics.office, ExemptionGranted(**cmd.model_dump()),
                      key=cmd.subject_id, occurred_at=cmd.granted_at, unit_id=cmd.unit_id,
                      correlation=case_correlation(kind, cmd.subject_id))


async def confirm_rectification(ctx: Ctx, cmd: RectificationIn) -> None:
    """Intake knows no measures: whether this one is a 督办 of that unit, still in force and not
    yet rectified is for accountability to decide (it dead-letters a report that does not fit).
    No id is claimed here, so a report refused there can be corrected and sent again."""
    await ctx.require_unit("unit_id", cmd.unit_id)
    measure_id = str(cmd.measure_id)
    # On the office topic, keyed and correlated by the measure like its appeals: a revocation
    # and a rectification of one 督办 reach accountability in the order they were entered.
    await ctx.publish(ctx.topics.office, RectificationCompleted(
        **cmd.model_dump(exclude={"measure_id"}), measure_id=measure_id), key=measure_id,
        occurred_at=cmd.rectified_at, unit_id=cmd.unit_id,
        correlation=case_correlation("measure", measure_id))
