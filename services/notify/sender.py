"""The sender loop: claim due notices, send them through their channel, record every attempt and
the outcome, publish NoticeSent / NoticeFailed through the outbox.

Guarantees, and where they come from:
- each notice is claimed by one sender at a time (FOR UPDATE SKIP LOCKED + a lease), so two
  replicas racing send it once;
- the claim commits before the send and the record is a second transaction: no transaction is
  held across the network;
- a sender that dies after the channel accepted a message but before the record committed
  leaves a claim whose lease expires; the notice is then sent again, ONCE more (at most one
  duplicate per crash). The e-mail Message-ID and the SMS OutId are derived from the notice id,
  so the receiving side can recognise the duplicate;
- every outcome ends in a recorded state: sent, pending with a retry time, or failed (with a
  NoticeFailed event and, if the route names one, a fallback notice on the other channel).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock
from shared.logs import get_logger
from shared.messaging.outbox import emit

from . import events_out, store
from .channels import DeliveryResult, OutgoingEmail, OutgoingSms
from .delivery import Decision, RetryPolicy, decide
from .enqueue import render
from .routing import release_time
from .wiring import Channels, Deps

log = get_logger(__name__)
NOTICES = Counter("xn_notices_total", "Delivery attempts recorded, by channel and resulting state "
                  "(sent, pending = retry scheduled, failed)", ["channel", "status"])


def template_params(context: dict) -> dict[str, str]:
    """Alibaba sends an approved template filled with short variables, not our text."""
    return {k: str(v)[:35] for k, v in context.items() if isinstance(v, (str, int, float))}


def outgoing(n: store.Notice) -> OutgoingSms | OutgoingEmail:
    if n.channel == "sms":
        return OutgoingSms(n.notice_id, n.kind, n.address or "", n.body_text or "",
                           template_params(n.context))
    return OutgoingEmail(n.notice_id, n.address or "", n.subject or "", n.body_text or "",
                         n.body_html or "", to_name=n.recipient_name)


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
            await asyncio.gather(*(self._deliver(n, token) for n in claimed))
        return len(claimed)

    async def _deliver(self, n: store.Notice, token: uuid.UUID) -> None:
        async with self._sem:
            structlog.contextvars.bind_contextvars(
                notice_id=n.notice_id, correlation_id=str(n.correlation_id),
                event_id=str(n.source_event_id), unit_id=n.unit_id, channel=n.channel)
            started = self._clock.now()
            try:
                result = await self._channels.for_kind(n.channel).send(outgoing(n))
            except Exception as exc:  # a channel should not raise; if one does, retry later
                result = DeliveryResult.transient(f"channel error: {type(exc).__name__}")
            await self._record(n, token, started, result)

    async def _record(self, n: store.Notice, token: uuid.UUID, started: datetime,
                      result: DeliveryResult) -> None:
        delay = 0.2
        while True:  # the message is out; losing the record would only cost a duplicate later
            try:
                await self._record_once(n, token, started, result)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("recording a delivery failed; retrying", error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _record_once(self, n: store.Notice, token: uuid.UUID, started: datetime,
                           result: DeliveryResult) -> None:
        now = self._clock.now()
        decision = decide(result.outcome, attempts=n.attempts, now=now, policy=self._policy,
                          channel=n.channel, urgent=n.urgent,
                          quiet_hours=self._deps.routing.quiet_hours)
        async with self._sessions() as s, s.begin():
            held = await store.finish(s, self._schema, notice_id=n.notice_id, token=token,
                                      status=decision.status, reason=result.reason,
                                      permanent=decision.permanent, at=now,
                                      provider_message_id=result.provider_message_id,
                                      retry_at=decision.retry_at)
            no = await store.record_attempt(s, self._schema, notice_id=n.notice_id,
                                            sender=self.name, started_at=started, recorded_at=now,
                                            outcome=result.outcome.value, reason=result.reason,
                                            provider_message_id=result.provider_message_id,
                                            lease_lost=not held)
            if held:
                await self._announce(s, n, token, decision, result, now)
        self._log(n, decision, result, no, held)
        NOTICES.labels(n.channel, decision.status).inc()
        if held and decision.final:
            self._wake_relay()

    async def _announce(self, s: AsyncSession, n: store.Notice, token: uuid.UUID,
                        decision: Decision, result: DeliveryResult, now: datetime) -> None:
        topic = self._deps.topics.notices
        if decision.status == "sent":
            await emit(s, self._schema, topic, events_out.notice_sent(n, now, token))
        elif decision.status == "failed":
            await emit(s, self._schema, topic, events_out.notice_failed(
                notice_id=n.notice_id, source_event_id=n.source_event_id,
                correlation_id=n.correlation_id, unit_id=n.unit_id, recipient_id=n.recipient_id,
                channel=n.channel, reason=result.reason, permanent=bool(decision.permanent),
                at=now, tag=str(token)))
            for fb in n.fallback:
                await self._fall_back(s, n, fb["channel"], fb["address"], now)

    async def _fall_back(self, s: AsyncSession, n: store.Notice, channel: str, address: str,
                         now: datetime) -> None:
        when = now
        if channel == "sms":
            when = release_time(now, n.urgent, self._deps.routing.quiet_hours)
        row = store.NewNotice(
            source_event_id=n.source_event_id, source_event_type=n.source_event_type,
            correlation_id=n.correlation_id, unit_id=n.unit_id, kind=n.kind,
            recipient_id=n.recipient_id, recipient_role=n.recipient_role,
            recipient_name=n.recipient_name, channel=channel, address=address, fallback=[],
            urgent=n.urgent, context=n.context, not_before=when, created_at=now,
            fallback_of=n.notice_id, **render(self._deps, n.kind, channel, n.context))
        if await store.insert_notice(s, self._schema, row):
            log.info("falling back to another channel", fallback_notice_id=row.notice_id,
                     fallback_channel=channel)
            self.wake()

    def _log(self, n: store.Notice, d: Decision, r: DeliveryResult, no: int, held: bool) -> None:
        fields = dict(attempt=no, outcome=r.outcome.value, reason=r.reason, kind=n.kind,
                      recipient_id=n.recipient_id)
        if not held:
            log.warning("claim lost before recording (lease expired): another sender owns the "
                        "notice; this send may be a duplicate", **fields)
        elif d.status == "sent":
            log.info("notice sent", provider_message_id=r.provider_message_id, **fields)
        elif d.status == "pending":
            log.warning("notice delivery failed; will retry", retry_at=d.retry_at.isoformat(),
                        **fields)
        else:
            log.error("notice failed", permanent=d.permanent, **fields)
