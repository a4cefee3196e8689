"""Event → deadline command, one small function per consumed event type. No SQL here: the
service functions in clocks.py persist and announce. Complaints: handlers_complaints.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from services.deadlines import clocks
from services.deadlines.calendar_sync import on_year_loaded
from services.deadlines.clocks import NewClock
from services.deadlines.codec import RULE_KIND, deadline_id
from services.deadlines.deps import Deps
from services.deadlines.domain import PauseReason, extend, pause, resume
from services.deadlines.handlers_complaints import COMPLAINT_HANDLERS, COMPLAINT_READS
from services.deadlines.unit_of_work import unit_of_work
from shared.envelope import Envelope, EventPayload
from shared.events.calendar import CalendarYearLoaded
from shared.events.cases import (
    MatterAccepted,
    MatterCompleted,
    MatterExtended,
    MatterPaused,
    MatterResumed,
    ReportSubmitted,
)
from shared.events.deadlines import (
    DeadlineFulfilled,
    DeadlineRequested,
    DeadlineWithdrawn,
    Responsible,
)
from shared.events.roster import CampaignConfigured
from shared.logs import get_logger
from shared.messaging.batch import Prepare
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Handler, Tx
from shared.workdays import start_of_day

log = get_logger(__name__)
Fn = Callable[[Tx, Deps, EventPayload, Envelope], Awaitable[None]]
REQUESTABLE = ("rectification_order", "appeal_window")


def report_subject(campaign_id: str, unit_id: str, report_kind: str) -> str:
    return f"{campaign_id}/{unit_id}/{report_kind}"


async def on_campaign(tx: Tx, deps: Deps, p: CampaignConfigured, env: Envelope) -> None:
    """Each unit × required report → a campaign_report clock due at the end of the local day.
    Republishing the configuration adds what is new and leaves existing clocks alone. Each report
    is a subject of its own, so each new clock gets its own deadline.scheduled."""
    opens: datetime = start_of_day(min(ph.start for ph in p.phases)) if p.phases else env.occurred_at
    opened = []
    for unit in p.unit_ids:
        for report in p.reports:
            spec = NewClock("campaign_report", report_subject(p.campaign_id, unit, report.kind),
                            unit, opens, due_date=report.due)
            if await unit_of_work(tx).get_for_update(spec.deadline_id) is None:
                opened.append(await clocks.open_clock(tx, deps, spec, env))
    await clocks.announce(tx, deps, opened, env)


async def on_report(tx: Tx, deps: Deps, p: ReportSubmitted, env: Envelope) -> None:
    did = deadline_id("campaign_report", report_subject(p.campaign_id, p.unit_id, p.report_kind))
    await clocks.close_clock(tx, deps, did, p.submitted_at, env)


async def on_matter_accepted(tx: Tx, deps: Deps, p: MatterAccepted, env: Envelope) -> None:
    who = Responsible(handler_id=p.handler_id, reviewer_id=p.reviewer_id, approver_id=p.approver_id)
    opened = await clocks.open_clock(tx, deps, NewClock(
        "matter", p.matter_id, p.unit_id, p.accepted_at, limit_days=p.promised_working_days,
        responsible=who), env)
    await clocks.announce(tx, deps, [opened], env)


async def on_matter_paused(tx: Tx, deps: Deps, p: MatterPaused, env: Envelope) -> None:
    reason = PauseReason(p.reason.value)
    await clocks.change_clock(tx, deps, deadline_id("matter", p.matter_id), env,
                              lambda s, r, c: pause(s, r, c, reason, p.paused_at), "paused")


async def on_matter_resumed(tx: Tx, deps: Deps, p: MatterResumed, env: Envelope) -> None:
    await clocks.change_clock(tx, deps, deadline_id("matter", p.matter_id), env,
                              lambda s, r, c: resume(s, p.resumed_at), "resumed")


async def on_matter_extended(tx: Tx, deps: Deps, p: MatterExtended, env: Envelope) -> None:
    await clocks.change_clock(
        tx, deps, deadline_id("matter", p.matter_id), env,
        lambda s, r, c: extend(s, r, c, p.extra_working_days, p.extended_at,
                               f"{p.reason} (approved by {p.approved_by})"), "extended")


async def on_matter_completed(tx: Tx, deps: Deps, p: MatterCompleted, env: Envelope) -> None:
    await clocks.close_clock(tx, deps, deadline_id("matter", p.matter_id), p.completed_at, env)


async def on_requested(tx: Tx, deps: Deps, p: DeadlineRequested, env: Envelope) -> None:
    """A new clock; or, for one that has ended (withdrawn, met, missed), a new round of it from
    `starts_at`: the requester orders again what it withdrew (a 督办 recounted away and back),
    with a request of a new event id. A redelivered request is dropped by the inbox, and one
    for a clock still open is refused (`already_scheduled`): one running round per subject."""
    kind = RULE_KIND.get(p.kind, p.kind)
    if kind not in REQUESTABLE:
        raise Rejected(f"deadline kind {p.kind!r} cannot be requested; allowed: "
                       "rectification, appeal_window", code="unknown_kind")
    spec = NewClock(kind, p.subject_id, p.unit_id, p.starts_at, limit_days=p.working_days,
                    responsible=Responsible(handler_id=p.person_id))
    row = await unit_of_work(tx).get_for_update(spec.deadline_id)
    if row is None:
        opened = await clocks.open_clock(tx, deps, spec, env)
    elif row.status == "open":
        raise Rejected(f"deadline {row.deadline_id} is already scheduled (round {row.round} is "
                       "open)", code="already_scheduled")
    else:
        log.info("requested deadline starts a new round", deadline_id=row.deadline_id,
                 previous_status=row.status, round=row.round + 1)
        opened = await clocks.restart_clock(tx, deps, row, spec, env)
    await clocks.announce(tx, deps, [opened], env)


async def on_fulfilled(tx: Tx, deps: Deps, p: DeadlineFulfilled, env: Envelope) -> None:
    kind = RULE_KIND.get(p.kind, p.kind)
    await clocks.close_clock(tx, deps, deadline_id(kind, p.subject_id), p.fulfilled_at, env)


async def on_withdrawn(tx: Tx, deps: Deps, p: DeadlineWithdrawn, env: Envelope) -> None:
    """The requester withdrew the obligation (a 督办 revoked on appeal): the clock ends with
    no card and no fault. A clock already closed (rectified in time, or late) keeps its record:
    the withdrawal came after the fact and changes nothing."""
    kind = RULE_KIND.get(p.kind, p.kind)
    if kind not in REQUESTABLE:
        raise Rejected(f"deadline kind {p.kind!r} cannot be withdrawn; allowed: "
                       "rectification, appeal_window", code="unknown_kind")
    row = await clocks.load(tx, deadline_id(kind, p.subject_id))
    if row.status != "open":
        log.info("withdrawn deadline had already ended", deadline_id=row.deadline_id,
                 status=row.status, why=p.reason)
        return
    await clocks.end_clock(tx, row, "withdrawn", p.reason)


HANDLERS: dict[type[EventPayload], Fn] = {
    CampaignConfigured: on_campaign, ReportSubmitted: on_report,
    MatterAccepted: on_matter_accepted, MatterPaused: on_matter_paused,
    MatterResumed: on_matter_resumed, MatterExtended: on_matter_extended,
    MatterCompleted: on_matter_completed, DeadlineRequested: on_requested,
    DeadlineFulfilled: on_fulfilled, DeadlineWithdrawn: on_withdrawn,
    CalendarYearLoaded: on_year_loaded, **COMPLAINT_HANDLERS,
}
ACCEPTS = frozenset(cls.event_type for cls in HANDLERS)  # the rest is passed over unparsed


def _matter(p: Any) -> list[str]:
    return [deadline_id("matter", p.matter_id)]


# The stored deadlines each event type's handler reads, so a batch reads them in one statement.
READS: dict[type[EventPayload], Callable[[Any], list[str]]] = {
    CampaignConfigured: lambda p: [deadline_id("campaign_report", report_subject(
        p.campaign_id, unit, report.kind)) for unit in p.unit_ids for report in p.reports],
    ReportSubmitted: lambda p: [deadline_id("campaign_report", report_subject(
        p.campaign_id, p.unit_id, p.report_kind))],
    MatterPaused: _matter, MatterResumed: _matter, MatterExtended: _matter,
    MatterCompleted: _matter,
    # Requested clocks are read too: one that has ended starts a new round (on_requested).
    DeadlineRequested: lambda p: [deadline_id(RULE_KIND.get(p.kind, p.kind), p.subject_id)],
    DeadlineFulfilled: lambda p: [deadline_id(RULE_KIND.get(p.kind, p.kind), p.subject_id)],
    DeadlineWithdrawn: lambda p: [deadline_id(RULE_KIND.get(p.kind, p.kind), p.subject_id)],
    **COMPLAINT_READS,
}


# By event type name: most of a batch (complaint.filed) reads nothing, and the name is a plain
# attribute where parsed() costs a pydantic private-attribute lookup per envelope.
_READS_BY_TYPE = {cls.event_type: reads for cls, reads in READS.items()}


async def prepare_batch(tx: Tx, envelopes: list[Envelope]) -> None:
    """Before a batch's handlers run: read and lock every deadline they will read, at once
    (see unit_of_work.py). Clocks about to be opened by a case are not read: they are new."""
    ids = [did for env in envelopes if (reads := _READS_BY_TYPE.get(env.event_type))
           for did in reads(env.parsed())]
    if ids:
        await unit_of_work(tx).prefetch(ids)


def make_handler(deps: Deps) -> Handler:
    """One handler for every consumed topic; event types without a clock are skipped (e.g.
    unit.registered on xn.roster), which the inbox records like any other."""

    async def handle(tx: Tx, env: Envelope) -> None:
        payload = env.parsed()
        fn = HANDLERS.get(type(payload))
        if fn is None:
            log.debug("event carries no clock; skipped")
            return
        await fn(tx, deps, payload, env)

    return handle
