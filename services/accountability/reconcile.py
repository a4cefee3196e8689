"""Keep the stored measures of a unit equal to what the rules decide over its fault log.

Every trigger (a new fault, an exemption, an appeal lodged or ruled) changes the recorded inputs
and then calls `reconcile(unit, from_key)`: faults from `from_key` on (canonical order) are
decided again over the history before them, and only the differences are written and published.
Usually that is the one new fault. When a fault arrives after later-dated ones (another topic
was faster), the later ones are decided again, so the stored result never depends on arrival
order — which is why a replay of the log gives exactly what the service decided live."""

from __future__ import annotations

import uuid
from datetime import date

from shared.envelope import Envelope
from shared.logs import get_logger
from shared.messaging.pipeline import Tx

from . import events_out, store
from .batch_state import BatchState
from .domain import (
    Fault, Measure, RectificationOrder, RuleBook, apply_appeal, decide, orders_rectification,
    period_of, score_units, withdrawal_reason,
)
from .domain.history import months_before
from .store import StoredMeasure
from .unit_log import UnitLog
from .wiring import Deps

SortKey = tuple[date, str]

log = get_logger(__name__)


def outcome(m: Measure) -> tuple:
    """What a recipient is told; a change re-publishes the measure (status changes by appeal
    are announced by AppealRuled instead)."""
    return (m.code, m.points, m.explanation.rule_id, m.explanation.aggravated)


async def reconcile(tx: Tx, deps: Deps, st: BatchState, cause: Envelope, unit_id: str,
                    from_key: SortKey) -> None:
    """Decide again from `from_key` on, over what `st` holds for the unit (read once per batch,
    see batch_state.py); stage the differences and publish them."""
    book = st.book_on(from_key[0])
    window = max(book.repeat.window_months, book.dual_duty.window_months)
    scope = unit_id if book.repeat.scope == "unit" else None  # a person's faults span units
    held = await st.ensure_log(unit_id, st.log_after(from_key[0]))
    logged = held.since(months_before(from_key[0], window), scope)
    affected = [e for e in logged if e.fault.sort_key >= from_key]
    # A prior fault all of whose measures are frozen or revoked no longer counts; leaving it out
    # is what decide() would conclude from its measures, at a fraction of the cost.
    history: list[Fault | Measure] = [e.fault for e in logged
                                      if e.fault.sort_key < from_key and not e.discounted]
    touched: dict[tuple[str, str], uuid.UUID] = {}

    for entry in affected:
        fault = entry.fault
        fbook = st.book_on(fault.occurred_on)
        decided = [apply_appeal(m, held.appeals[m.id], fbook) if m.id in held.appeals else m
                   for m in decide(fault, history, fbook, lambda _u, _d, who=entry.leader_id: who)]
        history.append(fault)
        history.extend(decided)
        old = dict(entry.measures)
        for m in decided:
            prev = old.pop(m.id, None)
            if prev is not None and not prev.superseded and prev.measure == m:
                continue
            changed = prev is None or prev.superseded or outcome(prev.measure) != outcome(m)
            revision = 0 if prev is None else prev.revision + changed
            decided_at = cause.occurred_at if changed else prev.decided_at
            requests_clock = await _orders_clock(tx, prev, m)
            # The order's start, not this revision's: what a rectification report is judged by.
            order = (prev.order if prev is not None else RectificationOrder()).renewed(
                cause.occurred_at if requests_clock else None)
            period = period_of(m.occurred_on, fbook)
            st.save_measure(StoredMeasure(m, revision, False, decided_at, period,
                                          order.started_at, order.number))
            touched.setdefault((m.unit_id, period), m.id)
            if changed:
                log.debug("measure decided", measure=m.code, measure_id=str(m.id),
                          person_id=m.person_id, fault_id=str(fault.id), revision=revision,
                          rule_id=m.explanation.rule_id, points=m.points)
                await tx.emit(deps.topics.accountability, events_out.measure_decided(
                    m, revision=revision, superseded=False, decided_at=decided_at, cause=cause))
            if requests_clock:
                await tx.emit(deps.topics.deadline_requests,
                              events_out.rectification_requested(m, order.number, cause))
            # Revoked or reduced on appeal: the outcome may be unchanged, the clock still goes.
            await _withdraw(tx, deps, prev, m, cause)
        for prev in old.values():  # no longer decided: exempted fault, or the count moved
            if prev.superseded:
                continue
            m = prev.measure
            period = period_of(m.occurred_on, fbook)
            st.save_measure(StoredMeasure(m, prev.revision + 1, True, cause.occurred_at, period,
                                          prev.order.started_at, prev.order.number))
            touched.setdefault((m.unit_id, period), m.id)
            await tx.emit(deps.topics.accountability, events_out.measure_decided(
                m, revision=prev.revision + 1, superseded=True, decided_at=cause.occurred_at,
                cause=cause))
            await _withdraw(tx, deps, prev, None, cause)
    await rescore(tx, deps, st, held, cause, touched, book)


def _in_force(prev: StoredMeasure | None) -> Measure | None:
    """The revision in force before this one; None for a new measure or one no longer decided
    (superseded: its clock, if it had one, was withdrawn then)."""
    return prev.measure if prev is not None and not prev.superseded else None


async def _orders_clock(tx: Tx, prev: StoredMeasure | None, m: Measure) -> bool:
    """Whether this revision requests the measure's rectification clock (domain
    orders_rectification). Only a measure ordered before can have been reported rectified, so
    the report is read only for a re-order: one statement on a rare path, none otherwise."""
    before = _in_force(prev)
    if not orders_rectification(before, m):
        return False
    if prev is None or prev.order.number == 0:
        return True
    return orders_rectification(before, m, rectified_at=await store.rectified_at(
        tx.session, tx.schema, m.id))


async def _withdraw(tx: Tx, deps: Deps, prev: StoredMeasure | None, now: Measure | None,
                    cause: Envelope) -> None:
    """Withdraw the rectification clock of a measure that no longer orders one (its id is
    deterministic per order: deciding the same change again emits nothing new)."""
    before = _in_force(prev)
    reason = withdrawal_reason(before, now)
    if reason is not None:
        log.info("rectification clock withdrawn", measure_id=str(before.id), reason=reason)
        await tx.emit(deps.topics.deadline_requests, events_out.rectification_withdrawn(
            before, prev.order.number, reason, cause))


async def rescore(tx: Tx, deps: Deps, st: BatchState, held: UnitLog, cause: Envelope,
                  touched: dict[tuple[str, str], uuid.UUID], book: RuleBook) -> None:
    """Recompute each touched (unit, period) with the domain's scoring; publish what changed.
    The log holds every measure of those periods (batch_state.log_after reads whole years)."""
    await st.ensure_scores(u for u, _ in touched)
    for (unit_id, period), measure_id in sorted(touched.items()):
        [us] = score_units(held.live_measures(unit_id, period), book, [unit_id], [period])
        if not st.save_score(unit_id, period, (us.score, us.confirmed_score, us.provisional),
                             book.version):
            continue  # unchanged
        await tx.emit(deps.topics.accountability, events_out.score_changed(
            unit_id, period, us.score, us.confirmed_score, measure_id, cause))
