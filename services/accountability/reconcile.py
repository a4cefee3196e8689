"""Keep the stored measures of a unit equal to what the rules decide over its fault log.

Every trigger (a new fault, an exemption, an appeal lodged or ruled) changes the recorded inputs
and then calls `reconcile(unit, from_key)`: faults from `from_key` on (canonical order) are
decided again over the history before them, and only the differences are written and published.
Usually that is the one new fault. When a fault arrives after later-dated ones (another topic
was faster), the later ones are decided again, so the stored result never depends on arrival
order — which is why a replay of the log gives exactly what the service decided live."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from sqlalchemy import text

from shared.envelope import Envelope
from shared.logs import get_logger
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Tx

from . import events_out, store
from .domain import Fault, Measure, RuleBook, apply_appeal, decide, period_of, score_units
from .domain.history import months_before
from .wiring import Deps

SortKey = tuple[date, str]

log = get_logger(__name__)


def outcome(m: Measure) -> tuple:
    """What a recipient is told; a change re-publishes the measure (status changes by appeal
    are announced by AppealRuled instead)."""
    return (m.code, m.points, m.explanation.rule_id, m.explanation.aggravated)


class RuleBookNotLoaded(TimeoutError):
    """No rule book stored yet (the service is starting): like a database outage, the pipeline
    retries until it ends instead of dead-lettering good events."""


async def books(tx: Tx, deps: Deps) -> Callable[[date], RuleBook]:
    """day -> the rule book in force that day; refuses (dead letter) a day before any book."""
    chooser = await deps.rulebooks.snapshot(tx.session, tx.schema)
    if not chooser:
        raise RuleBookNotLoaded("no rule book stored yet")

    def on(day: date) -> RuleBook:
        try:
            return chooser.on(day)
        except LookupError as exc:
            raise Rejected(str(exc), code="no_rulebook") from None
    return on


async def book_on(tx: Tx, deps: Deps, day: date) -> RuleBook:
    return (await books(tx, deps))(day)


async def reconcile(tx: Tx, deps: Deps, cause: Envelope, unit_id: str, from_key: SortKey) -> None:
    s, schema = tx.session, tx.schema
    book_for = await books(tx, deps)
    book = book_for(from_key[0])
    window = max(book.repeat.window_months, book.dual_duty.window_months)
    scope = unit_id
    if book.repeat.scope == "person":  # a person's faults may span units: decide over all
        scope = None
        await s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{schema}:faults"})
    logged = await store.unit_faults_since(s, schema, scope, months_before(from_key[0], window))
    logged.sort(key=lambda lf: lf.fault.sort_key)
    affected = [lf for lf in logged if lf.fault.sort_key >= from_key]
    # A prior fault all of whose measures are frozen or revoked no longer counts; leaving it out
    # is what decide() would conclude from its measures, at a fraction of the cost.
    history: list[Fault | Measure] = [lf.fault for lf in logged
                                      if lf.fault.sort_key < from_key and not lf.discounted]
    stored, appeals = await store.measures_of_faults(s, schema, [lf.fault.id for lf in affected])
    by_fault: dict[uuid.UUID, dict[uuid.UUID, store.StoredMeasure]] = {}
    for sm in stored.values():
        by_fault.setdefault(sm.measure.fault_id, {})[sm.measure.id] = sm
    touched: dict[tuple[str, str], uuid.UUID] = {}

    for lf in affected:
        fault = lf.fault
        fbook = book_for(fault.occurred_on)
        decided = [apply_appeal(m, appeals[m.id], fbook) if m.id in appeals else m
                   for m in decide(fault, history, fbook, lambda _u, _d, who=lf.leader_id: who)]
        history.append(fault)
        history.extend(decided)
        old = by_fault.get(fault.id, {})
        for m in decided:
            prev = old.pop(m.id, None)
            if prev is not None and not prev.superseded and prev.measure == m:
                continue
            changed = prev is None or prev.superseded or outcome(prev.measure) != outcome(m)
            revision = 0 if prev is None else prev.revision + changed
            decided_at = cause.occurred_at if changed else prev.decided_at
            await store.save_measure(s, schema, m, period=period_of(m.occurred_on, fbook),
                                     revision=revision, superseded=False, decided_at=decided_at)
            touched.setdefault((m.unit_id, period_of(m.occurred_on, fbook)), m.id)
            if changed:
                log.info("measure decided", measure=m.code, measure_id=str(m.id),
                         person_id=m.person_id, fault_id=str(fault.id), revision=revision,
                         rule_id=m.explanation.rule_id, points=m.points)
                await tx.emit(deps.topics.accountability, events_out.measure_decided(
                    m, revision=revision, superseded=False, decided_at=decided_at, cause=cause))
                had_clock = prev is not None and prev.measure.rectification_working_days
                if m.rectification_working_days and not had_clock:
                    await tx.emit(deps.topics.deadline_requests,
                                  events_out.rectification_requested(m, cause))
        for prev in old.values():  # no longer decided: exempted fault, or the count moved
            if prev.superseded:
                continue
            m = prev.measure
            await store.save_measure(s, schema, m, period=period_of(m.occurred_on, fbook),
                                     revision=prev.revision + 1, superseded=True,
                                     decided_at=cause.occurred_at)
            touched.setdefault((m.unit_id, period_of(m.occurred_on, fbook)), m.id)
            await tx.emit(deps.topics.accountability, events_out.measure_decided(
                m, revision=prev.revision + 1, superseded=True, decided_at=cause.occurred_at,
                cause=cause))
    await rescore(tx, deps, cause, touched, book)


async def rescore(tx: Tx, deps: Deps, cause: Envelope, touched: dict[tuple[str, str], uuid.UUID],
                  book: RuleBook) -> None:
    """Recompute each touched (unit, period) with the domain's scoring; publish what changed."""
    s, schema = tx.session, tx.schema
    for (unit_id, period), measure_id in sorted(touched.items()):
        rows = await store.scored_measures(s, schema, unit_id, period)
        [us] = score_units(rows, book, [unit_id], [period])  # type: ignore[arg-type]
        if not await store.save_score(s, schema, unit_id, period, us.score, us.confirmed_score,
                                      us.provisional, book.version):
            continue  # unchanged
        await tx.emit(deps.topics.accountability, events_out.score_changed(
            unit_id, period, us.score, us.confirmed_score, measure_id, cause))
