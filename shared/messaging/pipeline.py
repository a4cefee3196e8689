"""At-least-once processing of one Kafka message, shared by every subscriber.

parse the envelope → in one database transaction: inbox insert (a duplicate stops here), the
handler's state change and the events it emits into the outbox → commit → ack the offset.

Failures: PoisonMessage/Rejected/invalid envelope → dead-letter at once; the database or broker
away → retry with capped backoff for as long as it takes (the message is fine, the world is not);
any other error → bounded retries with backoff, then dead-letter. The offset is acked only after
the message was applied, skipped as a duplicate or dead-lettered, so nothing is lost."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import OutOfOrderSequenceNumber
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clock import Clock
from shared.envelope import Envelope, UnknownEventType
from shared.logs import get_logger, held_until_committed
from shared.messaging.deadletter import RawMessage, publish_dead_letter
from shared.messaging.batch import Prepare, process_batch
from shared.messaging.errors import PoisonMessage, explain, is_infrastructure_error
from shared.messaging.tx import Tx
from shared.metrics import DEAD_LETTERS, EVENTS_IN, HANDLER_SECONDS, RETRIES
from shared.topics import DEAD_LETTER

log = get_logger(__name__)


Handler = Callable[[Tx, Envelope], Awaitable[None]]
T = TypeVar("T")


class Pipeline:
    def __init__(self, *, service: str, consumer: str, schema: str,
                 sessions: async_sessionmaker[AsyncSession], producer: AIOKafkaProducer,
                 clock: Clock, relay_wake: Callable[[], None] = lambda: None,
                 max_attempts: int = 5, backoff_s: float = 0.2, backoff_max_s: float = 10.0,
                 dead_letter_topic: str = DEAD_LETTER) -> None:
        self.service, self.consumer, self.schema = service, consumer, schema
        self._sessions, self._producer, self._clock = sessions, producer, clock
        self._wake = relay_wake
        self._max_attempts, self._backoff, self._backoff_max = max_attempts, backoff_s, backoff_max_s
        self._dlq = dead_letter_topic
        self.last_progress: float = time.monotonic()

    async def process(self, msg: RawMessage, handler: Handler) -> str:
        """Apply one message; returns 'applied', 'duplicate' or 'dead-lettered'.
        Returns only when it is safe to commit the offset."""
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(topic=msg.topic, partition=msg.partition,
                                               offset=msg.offset)
        try:
            env = Envelope.from_bytes(msg.value)
            env.parsed()  # the payload must match its registered schema
        except (ValidationError, UnknownEventType, ValueError) as exc:
            await self._dead_letter(msg, PoisonMessage(explain(exc), code="invalid_envelope"), 1)
            return "dead-lettered"
        structlog.contextvars.bind_contextvars(
            event_id=str(env.event_id), correlation_id=str(env.correlation_id),
            event_type=env.event_type, unit_id=env.unit_id)
        return await self._run(msg, env.event_id, env.event_type, lambda tx: handler(tx, env))

    async def process_raw(self, msg: RawMessage, handler: Callable[[Tx, T], Awaitable[None]],
                          parse: Callable[[bytes], tuple[uuid.UUID, str, T]]) -> str:
        """Like `process`, for messages that are not envelopes (the external schema of the
        xn.in.* doors). `parse(value)` returns (dedup id, label, parsed item) or raises
        PoisonMessage / pydantic.ValidationError / ValueError, which dead-letter at once.
        The dedup id goes into the inbox exactly as an envelope's event id does."""
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(topic=msg.topic, partition=msg.partition,
                                               offset=msg.offset)
        try:
            dedup_id, label, item = parse(msg.value)
        except PoisonMessage as exc:
            await self._dead_letter(msg, exc, 1)
            return "dead-lettered"
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(msg, PoisonMessage(explain(exc), code="invalid_input"), 1)
            return "dead-lettered"
        return await self._run(msg, dedup_id, label, lambda tx: handler(tx, item))

    async def _run(self, msg: RawMessage, event_id: uuid.UUID, label: str,
                   apply: Callable[[Tx], Awaitable[None]]) -> str:
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                outcome = await self._apply(event_id, label, apply)
                HANDLER_SECONDS.labels(self.service, msg.topic).observe(time.perf_counter() - started)
                EVENTS_IN.labels(self.service, msg.topic, outcome).inc()
                self.last_progress = time.monotonic()
                if outcome == "applied":
                    self._wake()
                return outcome
            except asyncio.CancelledError:
                raise
            except PoisonMessage as exc:
                await self._dead_letter(msg, exc, attempts=attempt)
                return "dead-lettered"
            except Exception as exc:
                infra = is_infrastructure_error(exc)
                if not infra and attempt >= self._max_attempts:
                    log.exception("handler failed; dead-lettering", attempts=attempt)
                    await self._dead_letter(msg, exc, attempts=attempt)
                    return "dead-lettered"
                delay = min(self._backoff * 2 ** (attempt - 1), self._backoff_max)
                RETRIES.labels(self.service, msg.topic).inc()
                log.warning("handler failed; retrying", error=repr(exc), attempt=attempt,
                            infrastructure=infra, retry_in_s=delay)
                self.last_progress = time.monotonic()  # retrying is not being stuck
                await asyncio.sleep(delay)

    async def _apply(self, event_id: uuid.UUID, label: str,
                     apply: Callable[[Tx], Awaitable[None]]) -> str:
        with held_until_committed():  # a retried attempt's lines are marked as such
            return await self._apply_once(event_id, label, apply)

    async def _apply_once(self, event_id: uuid.UUID, label: str,
                          apply: Callable[[Tx], Awaitable[None]]) -> str:
        async with self._sessions() as session, session.begin():
            first = (await session.execute(
                text(f'INSERT INTO "{self.schema}".inbox (consumer, event_id, topic) '
                     "VALUES (:c, :e, :t) ON CONFLICT DO NOTHING RETURNING 1"),
                {"c": self.consumer, "e": event_id, "t": label})).first()
            if first is None:
                log.info("duplicate event skipped")
                return "duplicate"
            tx = Tx(session, self.schema, self._clock)
            await apply(tx)
            await tx.flush()  # the handler's before-commit hooks, as in a batch
        log.debug("event applied")
        return "applied"

    async def process_batch(self, msgs: list[RawMessage], handler: Handler,
                            prepare: Prepare | None = None,
                            accepts: Collection[str] | None = None) -> list[str]:
        """Apply a batch of envelopes in one transaction (see shared/messaging/batch.py);
        events whose type is not in `accepts` (when given) are passed over."""
        return await process_batch(self, msgs, handler, None, prepare, accepts)

    async def process_raw_batch(self, msgs: list[RawMessage],
                                handler: Callable[[Tx, T], Awaitable[None]],
                                parse: Callable[[bytes], tuple[uuid.UUID, str, T]],
                                prepare: Prepare | None = None) -> list[str]:
        return await process_batch(self, msgs, handler, parse, prepare)

    async def _dead_letter(self, msg: RawMessage, exc: BaseException, attempts: int) -> None:
        reason = exc.reason if isinstance(exc, PoisonMessage) else str(exc)
        error_type = exc.code if isinstance(exc, PoisonMessage) else type(exc).__name__
        delay = self._backoff
        while True:  # the dead letter must be on the broker before the offset moves on
            try:
                await publish_dead_letter(self._producer, self._dlq, msg, consumer=self.consumer,
                                          error=reason, error_type=error_type, attempts=attempts,
                                          failed_at=self._clock.now())
                break
            except asyncio.CancelledError:
                raise
            except Exception as pub_exc:
                log.warning("dead-letter publish failed; retrying", error=repr(pub_exc))
                if isinstance(pub_exc, OutOfOrderSequenceNumber) and hasattr(self._producer, "renew"):
                    try:  # a stuck idempotent producer (see outbox.RenewableProducer)
                        await self._producer.renew()
                    except Exception:
                        pass
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff_max)
        DEAD_LETTERS.labels(self.service, msg.topic).inc()
        EVENTS_IN.labels(self.service, msg.topic, "dead-lettered").inc()
        self.last_progress = time.monotonic()
        log.warning("message dead-lettered", reason=reason, error_type=error_type)
