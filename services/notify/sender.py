"""The sender loop: claim due notices, send them through their channel, record every attempt and
the outcome, publish NoticeSent / NoticeFailed through the outbox.

Guarantees, and where they come from:
- each notice is claimed by one sender at a time (FOR UPDATE SKIP LOCKED + a lease), so two
  replicas racing send it once;
- the claim commits before the send and the record is a second transaction: no transaction is
  held across the network. Sends that finish together are recorded together, in one
  transaction of a few statements (not one transaction per notice);
- a sender that dies after the channel accepted a message but before the record committed
  leaves a claim whose lease expires; the notice is then sent again, ONCE more (at most one
  duplicate per crash). The e-mail Message-ID and the SMS OutId are derived from the notice id,
  so the receiving side can recognise the duplicate;
- every outcome ends in a recorded state: sent, pending with a retry time, or failed (with a
  NoticeFailed event and, if the route names one, a fallback notice on the other channel).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from prometheus_client import Counter as Metric
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock
from shared.logs import get_logger
from shared.messaging.outbox import emit_many

from . import events_out, store
from .channels import DeliveryResult, OutgoingEmail, OutgoingSms
from .delivery import Decision, RetryPolicy, decide
from .enqueue import render
from .routing import release_time
from .wiring import Channels, Deps

log = get_logger(__name__)
# The stdlib logger behind `log`: its level is what structlog's filter_by_level checks
# (shared/logs.py), asked here before building a DEBUG line's fields at all.
_levels = logging.getLogger(__name__)
RECORD_EVERY, RECORD_WAIT_S = 50, 0.02  # record sends in groups (see Sender._send_all)
NOTICES = Metric("xn_notices_total", "Delivery attempts recorded, by channel and resulting state "
                  "(sent, pending = retry scheduled, failed)", ["channel", "status"])


def template_params(context: dict) -> dict[str, str]:
    """Alibaba sends an approved template filled with short variables, not our text."""
    return {k: str(v)[:35] for k, v in context.items() if isinstance(v, (str, int, float))}


def outgoing(n: store.Notice) -> OutgoingSms | OutgoingEmail:
    if n.channel == "sms":
        return OutgoingSms(n.notice_id, n.kind, n.address or "", n.body_text or "",
                           template_params(n.context), created_at=n.created_at)
    return OutgoingEmail(n.notice_id, n.address or "", n.subject or "", n.body_text or "",
                         n.body_html or "", to_name=n.recipient_name, created_at=n.created_at)


class Sender:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], schema: str, clock: Clock,
                 channels: Channels, deps: Deps, name: str | None = None,
                 policy: RetryPolicy = RetryPolicy(), batch: int = 50, concurrency: int = 8,
                 lease_s: float = 120.0, poll_s: float = 1.0,
                 wake_relay: Callable[[], None] = lambda: None) -> None:
        self._sessions, self._schema, self._clock = sessions, schema, clock
        self._channels, self._deps, self._policy = channels, deps, policy
        self.name = name or f"sender-{uuid.uuid4().hex[:8]}"
        self._batch, self._sem = batch, asyncio.Semaphore(concurrency)
        self._lease, self._poll_s, self._wake_relay = timedelta(seconds=lease_s), poll_s, wake_relay
        self._wake = asyncio.Event()
        self._stopping = False
        self.last_progress = time.monotonic()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            try:
                n = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database away: the claims wait, nothing is lost
                log.warning("sender round failed; retrying", error=repr(exc))
                n = 0
            self.last_progress = time.monotonic()
            if n:
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_s)
            except TimeoutError:
                pass

    async def run_once(self) -> int:
        """One round: claim what is due now, send it with bounded concurrency, record it."""
        now, token = self._clock.now(), uuid.uuid4()
        async with self._sessions() as s, s.begin():
            claimed = await store.claim_due(s, self._schema, now=now, lease_until=now + self._lease,
                                            token=token, sender=self.name, limit=self._batch)
        if claimed:
            await self._send_all(claimed, token)
        return len(claimed)

    async def _send_all(self, claimed: list[store.Notice], token: uuid.UUID) -> None:
        """Record outcomes as sends finish, a group at a time: when RECORD_EVERY have finished,
        when the sends in flight pause for RECORD_WAIT_S, or when the last is done. A few
        transactions per claim instead of one per notice, and a slow send does not hold back
        the record of the fast ones (a crash loses, and later re-sends once, only what was not
        recorded yet). Killing the round cancels the sends still in flight."""
        tasks = {asyncio.ensure_future(self._send(n)): n for n in claimed}
        pending = set(tasks)
        finished: list[tuple[store.Notice, datetime, DeliveryResult]] = []
        try:
            while pending:
                done, pending = await asyncio.wait(
                    pending, timeout=RECORD_WAIT_S if finished else None,
                    return_when=asyncio.FIRST_COMPLETED)
                finished += [(tasks[t], *t.result()) for t in done]
                if finished and (len(finished) >= RECORD_EVERY or not pending or not done):
                    await self._record(finished, token)
                    finished = []
        finally:
            for t in pending:
                t.cancel()

    async def _send(self, n: store.Notice) -> tuple[datetime, DeliveryResult]:
        async with self._sem:
            structlog.contextvars.bind_contextvars(  # this task's own copy of the context
                notice_id=n.notice_id, correlation_id=str(n.correlation_id),
                event_id=str(n.source_event_id), unit_id=n.unit_id, channel=n.channel)
            started = self._clock.now()
            try:
                result = await self._channels.for_kind(n.channel).send(outgoing(n))
            except Exception as exc:  # a channel should not raise; if one does, retry later
                result = DeliveryResult.transient(f"channel error: {type(exc).__name__}")
            return started, result

    async def _record(self, sent: list[tuple[store.Notice, datetime, DeliveryResult]],
                      token: uuid.UUID) -> None:
        delay = 0.2
        while True:  # the messages are out; losing the record would only cost duplicates later
            try:
                await self._record_once(sent, token)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("recording deliveries failed; retrying", error=repr(exc),
                            notices=len(sent))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _record_once(self, sent: list[tuple[store.Notice, datetime, DeliveryResult]],
                           token: uuid.UUID) -> None:
        now = self._clock.now()
        decided = [(n, r, decide(r.outcome, attempts=n.attempts, now=now, policy=self._policy,
                                 channel=n.channel, urgent=n.urgent,
                                 quiet_hours=self._deps.routing.quiet_hours))
                   for n, _, r in sent]
        outcomes = [store.Outcome(
            notice_id=n.notice_id, status=d.status, reason=r.reason, permanent=d.permanent,
            provider_message_id=r.provider_message_id, retry_at=d.retry_at, started_at=started,
            outcome=r.outcome.value) for (n, r, d), (_, started, _) in zip(decided, sent)]
        async with self._sessions() as s, s.begin():
            held = await store.finish_many(s, self._schema, token=token, at=now,
                                           outcomes=outcomes)
            numbers = await store.record_attempts(s, self._schema, sender=self.name,
                                                  recorded_at=now, outcomes=outcomes, held=held)
            events, fallbacks = [], []
            for n, r, d in decided:
                if n.notice_id in held:
                    self._announce(n, token, d, r, now, events, fallbacks)
            if events:
                await emit_many(s, self._schema, events)
            for row in fallbacks:
                if await store.insert_notice(s, self._schema, row):
                    log.info("falling back to another channel", notice_id=row.fallback_of,
                             fallback_notice_id=row.notice_id, fallback_channel=row.channel)
                    self.wake()
        final, quiet = False, not _levels.isEnabledFor(logging.DEBUG)
        for n, r, d in decided:
            if not (quiet and d.status == "sent" and n.notice_id in held):  # see _log
                self._log(n, d, r, numbers[n.notice_id], n.notice_id in held)
            final = final or (n.notice_id in held and d.final)
        for (channel, status), count in Counter((n.channel, d.status) for n, _, d in decided
                                                ).items():  # a label lookup per kind, not notice
            NOTICES.labels(channel, status).inc(count)
        if final:
            self._wake_relay()

    def _announce(self, n: store.Notice, token: uuid.UUID, decision: Decision,
                  result: DeliveryResult, now: datetime, events: list, fallbacks: list) -> None:
        topic = self._deps.topics.notices
        if decision.status == "sent":
            events.append((topic, events_out.notice_sent(n, now, token)))
        elif decision.status == "failed":
            events.append((topic, events_out.notice_failed(
                notice_id=n.notice_id, source_event_id=n.source_event_id,
                correlation_id=n.correlation_id, unit_id=n.unit_id, recipient_id=n.recipient_id,
                channel=n.channel, reason=result.reason, permanent=bool(decision.permanent),
                at=now, tag=str(token))))
            fallbacks.extend(self._fall_back(n, fb["channel"], fb["address"], now)
                             for fb in n.fallback)

    def _fall_back(self, n: store.Notice, channel: str, address: str,
                   now: datetime) -> store.NewNotice:
        when = now
        if channel == "sms":
            when = release_time(now, n.urgent, self._deps.routing.quiet_hours)
        return store.NewNotice(
            source_event_id=n.source_event_id, source_event_type=n.source_event_type,
            correlation_id=n.correlation_id, unit_id=n.unit_id, kind=n.kind,
            recipient_id=n.recipient_id, recipient_role=n.recipient_role,
            recipient_name=n.recipient_name, channel=channel, address=address, fallback=[],
            urgent=n.urgent, context=n.context, not_before=when, created_at=now,
            fallback_of=n.notice_id, **render(self._deps, n.kind, channel, n.context))

    def _log(self, n: store.Notice, d: Decision, r: DeliveryResult, no: int, held: bool) -> None:
        fields = dict(notice_id=n.notice_id, correlation_id=str(n.correlation_id),
                      event_id=str(n.source_event_id), unit_id=n.unit_id, channel=n.channel,
                      attempt=no, outcome=r.outcome.value, reason=r.reason, kind=n.kind,
                      recipient_id=n.recipient_id)
        if not held:
            log.warning("claim lost before recording (lease expired): another sender owns the "
                        "notice; this send may be a duplicate", **fields)
        elif d.status == "sent":
            # DEBUG: a line per notice sent costs more than recording it; the delivery log
            # (attempts, notices) and NoticeSent are the record. Not even called below DEBUG
            # (_record_once): building the fields cost more than the record's share.
            log.debug("notice sent", provider_message_id=r.provider_message_id, **fields)
        elif d.status == "pending":
            log.warning("notice delivery failed; will retry", retry_at=d.retry_at.isoformat(),
                        **fields)
        else:
            log.error("notice failed", permanent=d.permanent, **fields)
