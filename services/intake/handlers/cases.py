"""Report submissions, matters (办件) and inspection findings: check references, apply the
rules in domain/, store the new state, publish the canonical events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from services.intake.context import Ctx, case_correlation
from services.intake.contract import cases as c
from services.intake.domain import matters
from services.intake.domain.errors import Conflict, InputError, UnknownReference
from shared.envelope import EventPayload
from shared.events.cases import InspectionFindingRecorded, ReportSubmitted


async def submit_report(ctx: Ctx, cmd: c.ReportIn) -> None:
    await ctx.require_unit("unit_id", cmd.unit_id)
    campaign = await ctx.store.campaign(cmd.campaign_id)
    if campaign is None:
        raise UnknownReference("campaign_id", "campaign", cmd.campaign_id)
    kinds = [r["kind"] for r in campaign["reports"]]
    if cmd.report_kind not in kinds:
        raise InputError("report_kind", f"{cmd.report_kind!r} is not one of the campaign's "
                                        f"reports ({', '.join(kinds)})")
    if cmd.unit_id not in campaign["unit_ids"]:
        raise InputError("unit_id", f"unit {cmd.unit_id!r} owes no reports in {cmd.campaign_id!r}")
    if not await ctx.store.claim_id("reports", "submission_id", cmd.submission_id,
                                    unit_id=cmd.unit_id, campaign_id=cmd.campaign_id,
                                    report_kind=cmd.report_kind):
        raise Conflict("submission_id", f"submission {cmd.submission_id!r} is already recorded")
    await ctx.publish(ctx.topics.reports, ReportSubmitted(**cmd.model_dump()), key=cmd.unit_id,
                      occurred_at=cmd.submitted_at, unit_id=cmd.unit_id,
                      correlation=case_correlation(
                          "report", f"{cmd.campaign_id}/{cmd.unit_id}/{cmd.report_kind}"))


async def _publish_matter(ctx: Ctx, m: matters.Matter, events: list[EventPayload],
                          at: datetime) -> None:
    await ctx.store.put_matter(m)
    for e in events:
        await ctx.publish(ctx.topics.matters, e, key=m.matter_id, occurred_at=at,
                          unit_id=m.unit_id, correlation=case_correlation("matter", m.matter_id))


async def accept_matter(ctx: Ctx, cmd: c.MatterAcceptedIn) -> None:
    await ctx.require_unit("unit_id", cmd.unit_id)
    for f in ("handler_id", "reviewer_id", "approver_id"):
        await ctx.require_person(f, getattr(cmd, f))
    m, events = matters.accept(await ctx.store.matter(cmd.matter_id), cmd)
    await _publish_matter(ctx, m, events, cmd.accepted_at)


async def _existing(ctx: Ctx, matter_id: str) -> matters.Matter:
    m = await ctx.store.matter(matter_id)
    if m is None:  # also "completed before it was accepted": intake never saw the acceptance
        raise UnknownReference("matter_id", "matter (never accepted)", matter_id)
    return m


def _step(rule: Callable, at_field: str) -> Callable[[Ctx, object], Awaitable[None]]:
    async def handle(ctx: Ctx, cmd) -> None:
        m, events = rule(await _existing(ctx, cmd.matter_id), cmd)
        await _publish_matter(ctx, m, events, getattr(cmd, at_field))
    return handle


async def request_supplement(ctx: Ctx, cmd: c.SupplementIn) -> None:
    m = await _existing(ctx, cmd.matter_id)
    # The first SupplementRequested of this request is published first, so it gets this id.
    m, events = matters.request_supplement(m, cmd, str(ctx.next_event_id()))
    await _publish_matter(ctx, m, events, cmd.requested_at)


pause_matter = _step(matters.pause, "paused_at")
resume_matter = _step(matters.resume, "resumed_at")
complete_matter = _step(matters.complete, "completed_at")


async def extend_matter(ctx: Ctx, cmd: c.MatterExtendedIn) -> None:
    await ctx.require_person("approved_by", cmd.approved_by)
    await _step(matters.extend, "extended_at")(ctx, cmd)


async def record_finding(ctx: Ctx, cmd: c.FindingIn) -> None:
    await ctx.require_unit("unit_id", cmd.unit_id)
    await ctx.require_person("person_id", cmd.person_id)
    if not await ctx.store.claim_id("findings", "finding_id", cmd.finding_id, unit_id=cmd.unit_id):
        raise Conflict("finding_id", f"finding {cmd.finding_id!r} is already recorded")
    await ctx.publish(ctx.topics.inspections, InspectionFindingRecorded(**cmd.model_dump()),
                      key=cmd.finding_id, occurred_at=cmd.inspected_at, unit_id=cmd.unit_id,
                      correlation=case_correlation("finding", cmd.finding_id))
