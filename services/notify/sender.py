"""The sender loop: claim due notices, send them through their channel, record every attempt and
the outcome, publish NoticeSent / NoticeFailed through the outbox.

Guarantees, and where they come from:
- each notice is claimed by one sender at a time (FOR UPDATE SKIP LOCKED + a lease), so two
  replicas racing send it once;
- the claim commits before the send and the record is a second transaction: no transaction is
  held across the network. Sends that finish together are recorded together, in one
  transaction of a few statements (not one transaction per notice);
- a sender that dies after the channel accepted a message but before the record committed
  leaves a claim whose lease expires; the notice is then taken over `retaken`. A provider that
  keeps its sends by our id is asked first (Alibaba SMS: QuerySendDetails by OutId) and its
  answer recorded as the send; the local outbox finds the file already there when it sends.
  Otherwise (SMTP, or Alibaba not answering) it is sent again, ONCE more (at most one
  duplicate per crash). The e-mail Message-ID and the SMS OutId are derived from the notice
  id, so the receiving side can recognise the duplicate;
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
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from prometheus_client import Counter as Metric
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock
from shared.logs import get_logger
from shared.messaging.outbox import emit_many

from . import events_out, store
from .channels import DeliveryResult, OutgoingEmail, OutgoingSms
from .channels.base import RecallsSends
from .delivery import Decision, RetryPolicy, decide
from .enqueue import render
from .routing import release_time
from .wiring import Channels, Deps

log = get_logger(__name__)
# The stdlib logger behind `log`: its level is what structlog's filter_by_level checks
# (shared/logs.py), asked here before building a DEBUG line's fields at all.
_levels = logging.getLogger(__name__)
RECORD_EVERY, RECORD_WAIT_S = 50, 0.02  # record sends in groups (see Sender._record_loop)
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


@dataclass(frozen=True)
class Finished:
    """One send done, waiting to be recorded under the claim that allowed it."""

    notice: store.Notice
    token: uuid.UUID  # the claim's: the record changes the notice only while it still holds it
    started: datetime
    result: DeliveryResult


class Sender:
    """Claims, sends and records as a pipeline, not in rounds: the next claim is made when half
    of the last one is recorded, every send starts as soon as a slot is free, and whatever has
    finished while the previous record was committing is recorded together (group commit). A
    round that waited for its slowest send before claiming again left the slots idle for most
    of its tail; timers deciding when to record made groups of a few notices."""

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], schema: str, clock: Clock,
                 channels: Channels, deps: Deps, name: str | None = None,
                 policy: RetryPolicy = RetryPolicy(), batch: int = 50, concurrency: int = 8,
                 lease_s: float = 120.0, poll_s: float = 1.0,
                 wake_relay: Callable[[], None] = lambda: None) -> None:
        self._sessions, self._schema, self._clock = sessions, schema, clock
        self._channels, self._deps, self._policy = channels, deps, policy
        self.name = name or f"sender-{uuid.uuid4().hex[:8]}"
        self._batch, self._concurrency = batch, concurrency
        self._slots: dict[str, asyncio.Semaphore] = {}  # sends in flight, per channel
        self._lease, self._poll_s, self._wake_relay = timedelta(seconds=lease_s), poll_s, wake_relay
        self._wake = asyncio.Event()
        self._stopping = False
        self.last_progress = time.monotonic()
        self._in_hand = 0  # claimed and not yet recorded
        self._sends: set[asyncio.Task] = set()
        self._finished: list[Finished] = []
        self._have_finished = asyncio.Event()  # something waits to be recorded
        self._group_full = asyncio.Event()  # ... enough to record it now
        self._settled = asyncio.Event()  # set whenever nothing is in hand
        self._settled.set()
        self._recorder: asyncio.Task | None = None

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Claim nothing more; run() returns once the sends in flight are recorded."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        try:
            while not self._stopping:
                self.last_progress = time.monotonic()
                self._wake.clear()  # before the claim: a wake during it is not lost
                claimed = 0
                if self._in_hand <= self._batch // 2:
                    try:
                        claimed = await self._claim(self._batch - self._in_hand)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:  # database away: the claims wait, nothing is lost
                        log.warning("sender claim failed; retrying", error=repr(exc))
                if claimed:
                    continue
                try:  # woken by new notices, by room for a claim, or the poll for due retries
                    await asyncio.wait_for(self._wake.wait(), self._poll_s)
                except TimeoutError:
                    pass
            await self._settled.wait()  # stopping: what was sent gets recorded, nothing is re-sent
        except asyncio.CancelledError:
            self._abandon()
            raise

    async def run_once(self) -> int:
        """Claim what is due now, send it and record it all; the number claimed."""
        claimed = await self._claim(self._batch)
        try:
            await self._settled.wait()
        except asyncio.CancelledError:
            self._abandon()
            raise
        return claimed

    async def _claim(self, limit: int) -> int:
        now, token = self._clock.now(), uuid.uuid4()
        async with self._sessions() as s, s.begin():
            claimed = await store.claim_due(s, self._schema, now=now, lease_until=now + self._lease,
                                            token=token, sender=self.name, limit=limit)
        if claimed:
            self._in_hand += len(claimed)
            self._settled.clear()
            if self._recorder is None or self._recorder.done():
                self._recorder = asyncio.ensure_future(self._record_loop())
            for n in claimed:
                task = asyncio.ensure_future(self._send_one(n, token))
                self._sends.add(task)
                task.add_done_callback(self._sends.discard)
        return len(claimed)

    def _abandon(self) -> None:
        """As if the process died here: sends in flight and the unrecorded are dropped; their
        claims expire with the lease and the notices are sent again, once."""
        for t in list(self._sends):
            t.cancel()
        if self._recorder is not None:
            self._recorder.cancel()

    async def _send_one(self, n: store.Notice, token: uuid.UUID) -> None:
        started, result = await self._send(n)
        self._finished.append(Finished(n, token, started, result))
        self._have_finished.set()
        if len(self._finished) >= min(RECORD_EVERY, self._in_hand):
            self._group_full.set()

    async def _record_loop(self) -> None:
        """Record what has finished, one transaction at a time: once RECORD_EVERY have
        finished, or all in hand, or RECORD_WAIT_S after the first of the group. A record costs
        about as much for 50 notices as for 5, and sends finish a few at a time (a writer's
        group, a connection's reply): recording at each finish made groups of ~5. A notice
        finished twice (its lease expired and this sender claimed it again) waits for the next
        group: its attempt number is counted from the rows already there."""
        while True:
            await self._have_finished.wait()
            if not self._group_full.is_set():
                try:
                    await asyncio.wait_for(self._group_full.wait(), RECORD_WAIT_S)
                except TimeoutError:
                    pass
            self._have_finished.clear()
            self._group_full.clear()
            group, later, ids = [], [], set()
            for f in self._finished:
                (later if f.notice.notice_id in ids else group).append(f)
                ids.add(f.notice.notice_id)
            self._finished = later
            if later:
                self._have_finished.set()
            if not group:
                continue
            await self._record(group)
            self._in_hand -= len(group)
            if self._in_hand <= self._batch // 2:
                self._wake.set()  # room for the next claim
            if not self._in_hand:
                self._settled.set()

    def _slots_for(self, kind: str) -> asyncio.Semaphore:
        """A remote provider gets `concurrency` sends at once; a channel that names its own
        figure (the local outbox: files are written in groups, larger with more waiting) gets
        that."""
        if (slots := self._slots.get(kind)) is None:
            own = getattr(self._channels.for_kind(kind), "in_flight", None)
            slots = self._slots[kind] = asyncio.Semaphore(own or self._concurrency)
        return slots

    async def _send(self, n: store.Notice) -> tuple[datetime, DeliveryResult]:
        async with self._slots_for(n.channel):
            structlog.contextvars.bind_contextvars(  # this task's own copy of the context
                notice_id=n.notice_id, correlation_id=str(n.correlation_id),
                event_id=str(n.source_event_id), unit_id=n.unit_id, channel=n.channel)
            started = self._clock.now()
            try:
                channel, message = self._channels.for_kind(n.channel), outgoing(n)
                # Taken over from a sender that died between send and record: a provider that
                # keeps its sends by our id is asked first, so nobody gets it twice.
                if n.retaken and isinstance(channel, RecallsSends):
                    if (earlier := await channel.earlier_send(message)) is not None:
                        return started, earlier
                result = await channel.send(message)
            except Exception as exc:  # a channel should not raise; if one does, retry later
                result = DeliveryResult.transient(f"channel error: {type(exc).__name__}")
            return started, result

    async def _record(self, sent: list[Finished]) -> None:
        delay = 0.2
        while True:  # the messages are out; losing the record would only cost duplicates later
            try:
                await self._record_once(sent)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("recording deliveries failed; retrying", error=repr(exc),
                            notices=len(sent))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _record_once(self, sent: list[Finished]) -> None:
        now = self._clock.now()
        decided = [(f.notice, f.result, decide(
            f.result.outcome, attempts=f.notice.attempts, now=now, policy=self._policy,
            channel=f.notice.channel, urgent=f.notice.urgent,
            quiet_hours=self._deps.routing.quiet_hours)) for f in sent]
        outcomes = [store.Outcome(
            notice_id=n.notice_id, status=d.status, reason=r.reason, permanent=d.permanent,
            provider_message_id=r.provider_message_id, retry_at=d.retry_at, started_at=f.started,
            outcome=r.outcome.value, token=f.token) for (n, r, d), f in zip(decided, sent)]
        async with self._sessions() as s, s.begin():
            held = await store.finish_many(s, self._schema, at=now, outcomes=outcomes)
            numbers = await store.record_attempts(s, self._schema, sender=self.name,
                                                  recorded_at=now, outcomes=outcomes, held=held)
            events, fallbacks = [], []
            for (n, r, d), f in zip(decided, sent):
                if n.notice_id in held:
                    self._announce(n, f.token, d, r, now, events, fallbacks)
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
