"""A complaint's three clocks, all started at the DISPATCH to the handling unit (never at its
签收): acceptance (3 working days), conclusion (30 days, per category), and the 退单 window
(1 working day). A return ends the round; a redispatch starts a new round for the new unit and
counts the hop, so bouncing a complaint around gains no time. The clocks a fact opens go out
together: one deadline.scheduled per filing, redispatch or reopening."""

from __future__ import annotations

from datetime import datetime

from services.deadlines import clocks
from services.deadlines.clocks import NewClock
from services.deadlines.codec import DeadlineRow, deadline_id
from services.deadlines.deps import Deps
from services.deadlines.domain import compute_schedule, extend
from services.deadlines.unit_of_work import unit_of_work
from shared.envelope import Envelope
from shared.events.complaints import (
    ComplaintAccepted,
    ComplaintConcluded,
    ComplaintExtended,
    ComplaintFiled,
    ComplaintRedispatched,
    ComplaintRefused,
    ComplaintReopened,
    ComplaintReturned,
)
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Tx

CLOCKS = ("complaint_acceptance", "complaint_conclusion", "complaint_return")
# deadline_kinds.yaml keys category overrides by the names the office uses (三乱: 15 days).
CATEGORY_LABEL = {"four_difficulties": "四难", "three_arbitrary": "三乱",
                  "bribery_obstruction": "吃拿卡要", "first_contact": "首问负责",
                  "one_time_notice": "一次性告知"}


def _specs(complaint_id: str, unit_id: str, at: datetime, category: str | None) -> list[NewClock]:
    return [NewClock(kind, complaint_id, unit_id, at,
                     category=category if kind == "complaint_conclusion" else None)
            for kind in CLOCKS]


async def _rows(tx: Tx, complaint_id: str) -> dict[str, DeadlineRow]:
    ids = {k: deadline_id(k, complaint_id) for k in CLOCKS}
    found = await unit_of_work(tx).get_many_for_update(list(ids.values()))
    if not found:
        raise Rejected(f"no deadlines for complaint {complaint_id}: unknown subject",
                       code="unknown_subject")
    return {k: found[did] for k, did in ids.items() if did in found}


async def _end_open(tx: Tx, rows: dict[str, DeadlineRow], kinds: tuple[str, ...], status: str,
                    why: str) -> None:
    for kind in kinds:
        if kind in rows and rows[kind].status == "open":
            await clocks.end_clock(tx, rows[kind], status, why)


async def on_filed(tx: Tx, deps: Deps, p: ComplaintFiled, env: Envelope) -> None:
    category = CATEGORY_LABEL.get(p.category.value, p.category.value)
    opened = [await clocks.open_clock(tx, deps, spec, env)
              for spec in _specs(p.complaint_id, p.routed_to, p.dispatched_at, category)]
    await clocks.announce(tx, deps, opened, env)


async def on_accepted(tx: Tx, deps: Deps, p: ComplaintAccepted, env: Envelope) -> None:
    await clocks.close_clock(tx, deps, deadline_id("complaint_acceptance", p.complaint_id),
                             p.accepted_at, env)
    rows = await _rows(tx, p.complaint_id)
    await _end_open(tx, rows, ("complaint_return",), "cancelled", "accepted: no 退单 any more")


async def on_refused(tx: Tx, deps: Deps, p: ComplaintRefused, env: Envelope) -> None:
    """不予受理 answers the acceptance clock; there is nothing left to conclude or return."""
    await clocks.close_clock(tx, deps, deadline_id("complaint_acceptance", p.complaint_id),
                             p.refused_at, env)
    rows = await _rows(tx, p.complaint_id)
    await _end_open(tx, rows, ("complaint_conclusion", "complaint_return"), "cancelled", "refused")


async def on_returned(tx: Tx, deps: Deps, p: ComplaintReturned, env: Envelope) -> None:
    rows = await _rows(tx, p.complaint_id)
    window = rows.get("complaint_return")
    if window is None or window.status != "open":
        state = window.status if window else "missing"
        raise Rejected(f"complaint {p.complaint_id}: 退单 refused, the return window is {state}",
                       code="return_window_closed")
    rule = clocks.rule_of(deps, window.kind)
    calendar = await unit_of_work(tx).calendar(deps.calendars)
    due = compute_schedule(window.state, rule, calendar).due_at
    if due is not None and p.returned_at > due:
        raise Rejected(f"complaint {p.complaint_id}: 退单 at {p.returned_at.isoformat()} is after "
                       f"the window closed at {due.isoformat()}", code="return_window_closed")
    for row in rows.values():
        row.hops = p.hop
    await _end_open(tx, rows, CLOCKS, "returned", f"退单 hop {p.hop}: {p.reason}")


async def on_redispatched(tx: Tx, deps: Deps, p: ComplaintRedispatched, env: Envelope) -> None:
    rows = await _rows(tx, p.complaint_id)
    category = rows["complaint_conclusion"].state.category if "complaint_conclusion" in rows else None
    opened = [await clocks.restart_clock(tx, deps, rows[spec.kind], spec, env)
              for spec in _specs(p.complaint_id, p.to_unit_id, p.dispatched_at, category)
              if spec.kind in rows]
    await clocks.announce(tx, deps, opened, env)


async def on_extended(tx: Tx, deps: Deps, p: ComplaintExtended, env: Envelope) -> None:
    await clocks.change_clock(
        tx, deps, deadline_id("complaint_conclusion", p.complaint_id), env,
        lambda s, r, c: extend(s, r, c, p.extra_working_days, p.extended_at,
                               f"{p.reason} (approved by {p.approved_by})"), "extended")


async def on_concluded(tx: Tx, deps: Deps, p: ComplaintConcluded, env: Envelope) -> None:
    rows = await _rows(tx, p.complaint_id)
    if "complaint_acceptance" in rows and rows["complaint_acceptance"].status == "open":
        # Concluded without a separate acceptance event: the conclusion answers both.
        await clocks.close_clock(tx, deps, rows["complaint_acceptance"].deadline_id,
                                 p.concluded_at, env)
    await _end_open(tx, rows, ("complaint_return",), "cancelled", "concluded")
    await clocks.close_clock(tx, deps, deadline_id("complaint_conclusion", p.complaint_id),
                             p.concluded_at, env)


async def on_reopened(tx: Tx, deps: Deps, p: ComplaintReopened, env: Envelope) -> None:
    """An 'unsatisfied' rating: the conclusion clock runs again, a full new round."""
    rows = await _rows(tx, p.complaint_id)
    row = rows.get("complaint_conclusion")
    if row is None or row.status == "open":
        raise Rejected(f"complaint {p.complaint_id} is not concluded; nothing to reopen",
                       code="not_concluded")
    spec = NewClock("complaint_conclusion", p.complaint_id, p.handling_unit_id, p.reopened_at,
                    category=row.state.category)
    opened = await clocks.restart_clock(tx, deps, row, spec, env)
    await clocks.announce(tx, deps, [opened], env)


def _clock_ids(p: ComplaintAccepted) -> list[str]:  # any complaint event but the filing
    return [deadline_id(k, p.complaint_id) for k in CLOCKS]


COMPLAINT_READS = {kind: _clock_ids for kind in (
    ComplaintAccepted, ComplaintRefused, ComplaintReturned, ComplaintRedispatched,
    ComplaintExtended, ComplaintConcluded, ComplaintReopened)}

COMPLAINT_HANDLERS = {
    ComplaintFiled: on_filed, ComplaintAccepted: on_accepted, ComplaintRefused: on_refused,
    ComplaintReturned: on_returned, ComplaintRedispatched: on_redispatched,
    ComplaintExtended: on_extended, ComplaintConcluded: on_concluded,
    ComplaintReopened: on_reopened,
}
