"""Service functions: a domain command applied to a stored deadline, persisted, and announced
through the outbox — all inside the handler's transaction (Tx). Handlers map events to these.
Opening clocks is the exception to "announced at once": a fact may open several clocks for one
subject (a complaint: three), and they go out together in one deadline.scheduled (`announce`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from services.deadlines.codec import NOBODY, SUBJECT_TYPE, DeadlineRow, deadline_id
from services.deadlines.deps import Deps
from services.deadlines.domain import (
    Closure,
    Counting,
    DeadlineRule,
    DeadlineRuleError,
    DeadlineState,
    WorkCalendar,
    close,
    compute_schedule,
    open_deadline,
)
from services.deadlines.unit_of_work import unit_of_work
from shared.envelope import Envelope, EventPayload
from shared.events.deadlines import (
    DeadlineMet,
    DeadlineRescheduled,
    DeadlineScheduled,
    Responsible,
    ScheduledClock,
)
from shared.logs import get_logger
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Tx

log = get_logger(__name__)
_VERBS = {"paused": "pause", "resumed": "resume", "extended": "extend"}
Command = Callable[[DeadlineState, DeadlineRule, WorkCalendar], DeadlineState]


@dataclass(frozen=True)
class NewClock:
    kind: str  # rule kind
    subject_id: str
    unit_id: str
    started_at: datetime
    limit_days: int | None = None
    due_date: date | None = None
    category: str | None = None
    responsible: Responsible = field(default_factory=lambda: NOBODY)

    @property
    def deadline_id(self) -> str:
        return deadline_id(self.kind, self.subject_id)


@dataclass(frozen=True)
class Opened:
    """A clock just opened (or started again) and not yet announced: its row, and the clock as
    its deadline.scheduled will carry it."""

    row: DeadlineRow
    clock: ScheduledClock


def rule_of(deps: Deps, kind: str) -> DeadlineRule:
    try:
        return deps.rules.rule(kind)
    except DeadlineRuleError as exc:
        raise Rejected(exc.message, code=exc.code) from None


def _refused(exc: DeadlineRuleError, row_or_id: DeadlineRow | str) -> Rejected:
    did = row_or_id if isinstance(row_or_id, str) else row_or_id.deadline_id
    return Rejected(f"{did}: {exc.message}", code=exc.code)


async def emit(tx: Tx, deps: Deps, row: DeadlineRow, payload: EventPayload, cause: Envelope,
               *, case_correlation: bool = False) -> None:
    """Keyed by subject id: every clock of one complaint/matter stays in order on one partition.
    `case_correlation`: the cause is not the case (a calendar load), keep the case's correlation."""
    await tx.emit(deps.topics.deadlines, Envelope.wrap(
        payload, key=row.subject_id, occurred_at=tx.clock.now(), producer=deps.producer,
        unit_id=row.unit_id, cause=cause,
        correlation_id=row.correlation_id if case_correlation else None))


class _ProvisionalNotice:
    """The WARNING for deadlines computed on a provisional calendar, at most once a minute with
    the number since the last one. From early December every 30-day complaint clock reaches into
    the next year: a line per clock would double the cost of a complaint for a month and drown
    the log, and each deadline already says `provisional` in its events, its row and the board."""

    EVERY_S = 60.0

    def __init__(self) -> None:
        self._last = -self.EVERY_S
        self._since = 0

    def __call__(self, row: DeadlineRow) -> None:
        s = row.schedule
        if not s.provisional:
            return
        self._since += 1
        log.debug("deadline computed on a provisional calendar", deadline_id=row.deadline_id,
                  provisional_years=list(s.provisional_years), due_at=str(s.due_at))
        now = time.monotonic()
        if now - self._last < self.EVERY_S:
            return
        log.warning("deadline computed on a PROVISIONAL calendar (weekends only): load the "
                    "year's holiday notice with `cli calendar load`", deadline_id=row.deadline_id,
                    provisional_years=list(s.provisional_years), due_at=str(s.due_at),
                    calendar_version=s.calendar_version, provisional_deadlines=self._since)
        self._last, self._since = now, 0


warn_if_provisional = _ProvisionalNotice()


def facts(row: DeadlineRow, rule: DeadlineRule):
    return row.facts(rule.counting is Counting.WORKING_DAYS)


async def load(tx: Tx, did: str) -> DeadlineRow:
    row = await unit_of_work(tx).get_for_update(did)
    if row is None:
        raise Rejected(f"no deadline {did}: unknown subject", code="unknown_subject")
    return row


def _fresh_state(spec: NewClock, rule: DeadlineRule) -> DeadlineState:
    try:
        return open_deadline(rule, spec.started_at, limit_days=spec.limit_days,
                             category=spec.category, due_date=spec.due_date)
    except DeadlineRuleError as exc:
        raise _refused(exc, spec.deadline_id) from None


def scheduled_per_subject(opened: Iterable[Opened]) -> list[tuple[DeadlineRow, DeadlineScheduled]]:
    """One deadline.scheduled per subject, with its clocks in the order opened, each paired with
    the first clock's row (its subject id is the key, its unit the envelope's unit: one fact opens
    a subject's clocks for one unit). Subjects come in the order their first clock was opened."""
    by_subject: dict[str, tuple[DeadlineRow, list[ScheduledClock]]] = {}
    for o in opened:
        by_subject.setdefault(o.row.subject_id, (o.row, []))[1].append(o.clock)
    return [(row, DeadlineScheduled(clocks=cs)) for row, cs in by_subject.values()]


async def announce(tx: Tx, deps: Deps, opened: Iterable[Opened], cause: Envelope) -> None:
    """Publish what a fact opened: one event per subject, not per clock (a complaint's three
    clocks cost one outbox row, one record and one pass through each consumer, not three)."""
    for row, payload in scheduled_per_subject(opened):
        await emit(tx, deps, row, payload, cause)


async def open_clock(tx: Tx, deps: Deps, spec: NewClock, cause: Envelope) -> Opened:
    """A new deadline, stored; the caller announces it with the others the fact opens."""
    rule = rule_of(deps, spec.kind)
    state = _fresh_state(spec, rule)
    uow = unit_of_work(tx)
    calendar = await uow.calendar(deps.calendars)
    row = DeadlineRow(spec.deadline_id, spec.kind, SUBJECT_TYPE[spec.kind], spec.subject_id,
                      spec.unit_id, state, deps.schedules.schedule(state, rule, calendar),
                      origin_event_id=cause.event_id, correlation_id=cause.correlation_id,
                      responsible=spec.responsible)
    if not await uow.insert(row):
        raise Rejected(f"deadline {row.deadline_id} is already scheduled", code="already_scheduled")
    warn_if_provisional(row)
    return Opened(row, ScheduledClock(deadline=facts(row, rule), starts_at=state.started_at))


async def restart_clock(tx: Tx, deps: Deps, row: DeadlineRow, spec: NewClock, cause: Envelope,
                        hops: int | None = None) -> Opened:
    """A new round of an existing deadline (complaint redispatched or reopened, a requested
    clock requested again after it ended): the clock starts again at the new start; earlier
    cards stay fired for their own round (card ids carry the round). Announced by the caller,
    like a new clock (`announce`)."""
    rule = rule_of(deps, spec.kind)
    state = _fresh_state(spec, rule)
    uow = unit_of_work(tx)
    calendar = await uow.calendar(deps.calendars)
    new = DeadlineRow(row.deadline_id, row.kind, row.subject_type, row.subject_id, spec.unit_id,
                      state, deps.schedules.schedule(state, rule, calendar),
                      origin_event_id=cause.event_id, correlation_id=cause.correlation_id,
                      responsible=spec.responsible, round=row.round + 1,
                      hops=row.hops if hops is None else hops)
    await uow.update(new)
    warn_if_provisional(new)
    return Opened(new, ScheduledClock(deadline=facts(new, rule), starts_at=state.started_at))


async def change_clock(tx: Tx, deps: Deps, did: str, cause: Envelope, command: Command,
                       reason: str) -> DeadlineRow:
    """Pause, resume or extend; refused commands change nothing (the transaction rolls back)."""
    row = await load(tx, did)
    rule = rule_of(deps, row.kind)
    if row.status != "open":
        verb = _VERBS.get(reason, reason)
        raise Rejected(f"{did}: cannot {verb}: deadline is {row.status}", code="deadline_closed")
    calendar = await unit_of_work(tx).calendar(deps.calendars)
    try:
        state = command(row.state, rule, calendar)
    except DeadlineRuleError as exc:
        raise _refused(exc, row) from None
    previous_due = row.schedule.due_at or row.due_at
    row.state, row.due_at = state, previous_due
    row.schedule = compute_schedule(state, rule, calendar)
    await unit_of_work(tx).update(row)
    await emit(tx, deps, row, DeadlineRescheduled(
        deadline=facts(row, rule), previous_due_at=previous_due, reason=reason,
        clock_stopped=row.schedule.due_at is None), cause)
    warn_if_provisional(row)
    return row


async def close_clock(tx: Tx, deps: Deps, did: str, at: datetime, cause: Envelope) -> Closure:
    """The obligation is met: on time, or late with the lateness in working days."""
    row = await load(tx, did)
    rule = rule_of(deps, row.kind)
    if row.status != "open":
        raise Rejected(f"{did}: already {row.status}; nothing to close", code="deadline_closed")
    calendar = await unit_of_work(tx).calendar(deps.calendars)
    try:
        closure = close(row.state, rule, calendar, at)
    except DeadlineRuleError as exc:
        raise _refused(exc, row) from None
    row.state = closure.state
    row.status = "met" if closure.on_time else "missed"
    row.schedule = compute_schedule(closure.state, rule, calendar)
    await unit_of_work(tx).update(row)
    await emit(tx, deps, row, DeadlineMet(
        deadline=facts(row, rule), met_at=at, late=not closure.on_time,
        lateness_working_days=closure.late_by_working_days), cause)
    return closure


async def end_clock(tx: Tx, row: DeadlineRow, status: str, why: str) -> None:
    """The clock no longer applies (a complaint returned, a 退单 window after acceptance):
    no fault and no card, only the record and a log line. Cancelling is routine (every accepted
    complaint closes its 退单 window): a DEBUG line, not an INFO line per complaint."""
    row.status = status
    await unit_of_work(tx).update(row)
    (log.debug if status == "cancelled" else log.info)(
        "deadline ended without a card", deadline_id=row.deadline_id, status=status, why=why)
