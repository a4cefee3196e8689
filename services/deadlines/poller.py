"""The durable timer. Each poll claims due rows (`FOR UPDATE SKIP LOCKED`, over the partial
index on next_fire_at), asks the domain which actions are due, writes the cards to the outbox
and moves next_fire_at — one transaction. So two replicas never fire one card twice (a locked row
is skipped; a committed one no longer matches), a crash loses nothing (overdue rows are still
due on the next poll), and a poll's cost depends on the due rows, not on the open ones.

Time comes from the injected clock only, so tests and demos can move it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.deadlines import clocks, store
from services.deadlines.codec import AFTER_DUE, DeadlineRow, card_event_id, warning_label
from services.deadlines.deps import Deps
from services.deadlines.metrics import CARDS, POLL_SECONDS
from services.deadlines.domain import ActionKind, DueAction, WorkCalendar, due_actions, mark_fired
from shared.clock import Clock
from shared.envelope import Envelope, EventPayload
from shared.events.deadlines import DeadlineMissed, DeadlineWarned
from shared.logs import get_logger
from shared.messaging import outbox
from shared.workdays import local_date

log = get_logger(__name__)


class Poller:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], schema: str, clock: Clock,
                 deps: Deps, batch: int = 500, interval_s: float = 0.25,
                 wake: Callable[[], None] = lambda: None) -> None:
        self._sessions, self._schema, self._clock, self._deps = sessions, schema, clock, deps
        self._batch, self._interval, self._wake = batch, interval_s, wake
        self.last_progress = time.monotonic()
        self.fired = 0
        self.polls = 0  # completed polls, so tests can wait for one instead of sleeping

    async def poll_once(self) -> int:
        """Fire what is due now; returns the number of deadlines handled."""
        now = self._clock.now()
        with POLL_SECONDS.time():
            return await self._poll(now)

    async def _poll(self, now: datetime) -> int:
        async with self._sessions() as session, session.begin():
            rows = await store.claim_due(session, self._schema, now, self._batch)
            if not rows:
                return 0
            calendar = await self._deps.calendars.current(session)
            for row in rows:
                await self._fire(session, row, now, calendar)
            await store.update_many(session, self._schema, rows)
        self._wake()  # the cards are committed: let the relay publish them now
        return len(rows)

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                handled = await self.poll_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database away: back off and try again, never give up
                failures += 1
                delay = min(self._interval * 2 ** failures, 10.0)
                log.warning("deadline poll failed; retrying", error=repr(exc), retry_in_s=delay)
                self.last_progress = time.monotonic()
                await asyncio.sleep(delay)
                continue
            self.last_progress = time.monotonic()
            self.polls += 1
            if handled < self._batch:  # a full batch means more is due: no pause
                await asyncio.sleep(self._interval)

    async def _fire(self, session: AsyncSession, row: DeadlineRow, now: datetime,
                    calendar: WorkCalendar) -> None:
        rule = clocks.rule_of(self._deps, row.kind)
        actions = due_actions(row.state, rule, row.schedule, now)
        for action in actions:
            payload = self._card(row, rule, action, calendar)
            if payload is not None:
                await outbox.emit(session, self._schema, self._deps.topics.deadlines,
                                  self._envelope(row, payload, action))
            CARDS.labels(action.kind.value).inc()
        row.state = mark_fired(row.state, *(a.id for a in actions))
        self.fired += len(actions)

    def _card(self, row: DeadlineRow, rule, action: DueAction,
              calendar: WorkCalendar) -> EventPayload | None:
        facts = clocks.facts(row, rule)
        where = {"deadline_id": row.deadline_id, "unit_id": row.unit_id,
                 "correlation_id": str(row.correlation_id), "provisional": row.schedule.provisional}
        if action.kind is ActionKind.RED_CARD:
            row.card = "red"
            log.info("red card: deadline missed", due_at=str(action.at), **where)
            return DeadlineMissed(deadline=facts, missed_at=action.at + AFTER_DUE)
        if action.kind is ActionKind.WINDOW_CLOSED:
            # 退单 or appeal window ran out: a right lapsed, nobody is at fault — no card.
            row.status = "lapsed"
            log.info("window closed without use", **where)
            return None
        row.card = "yellow" if row.card == "none" else row.card
        due_date = row.schedule.due_date
        assert due_date is not None
        remaining = calendar.working_days_between(local_date(action.at) - timedelta(days=1), due_date)
        log.info("yellow card: deadline warning", warning=action.id, **where)
        return DeadlineWarned(deadline=facts, warning=warning_label(action.id),
                              remaining_working_days=max(0, remaining.value), warned_at=action.at)

    def _envelope(self, row: DeadlineRow, payload: EventPayload, action: DueAction) -> Envelope:
        # The cause of a card is the event that opened the clock: same correlation id, so one
        # grep follows a complaint from filing to its SMS. Deterministic event id: a second
        # firing of the same card would collide in the outbox instead of reaching Kafka.
        occurred = action.at + AFTER_DUE if action.kind is ActionKind.RED_CARD else action.at
        env = Envelope.wrap(payload, key=row.subject_id, occurred_at=occurred,
                            producer=self._deps.producer, unit_id=row.unit_id,
                            correlation_id=row.correlation_id,
                            event_id=card_event_id(row.deadline_id, row.round, action.id))
        return env.model_copy(update={"causation_id": row.origin_event_id})
