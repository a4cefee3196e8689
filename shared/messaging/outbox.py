"""Transactional outbox: `emit` writes an event in the caller's transaction; `OutboxRelay`
publishes committed rows with an idempotent producer and then deletes them.

A crash between send and delete republishes a row: consumers drop the duplicate by event id.
The table holds only what is still to go out; the published events live on the broker."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from aiokafka import AIOKafkaProducer
from aiokafka.errors import OutOfOrderSequenceNumber
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from shared.envelope import Envelope
from shared.logs import get_logger
from shared.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISHED

log = get_logger(__name__)
OUTBOX_ROW = "outbox_row"  # Kafka header: "<schema>/<outbox row id>" of the published row


async def emit(session: AsyncSession, schema: str, topic: str, envelope: Envelope) -> None:
    await session.execute(
        text(f'INSERT INTO "{schema}".outbox (event_id, topic, key, value, headers) '
             "VALUES (:event_id, :topic, :key, :value, CAST(:headers AS json)) "
             "ON CONFLICT (event_id) DO NOTHING"),
        {"event_id": envelope.event_id, "topic": topic, "key": envelope.key,
         "value": envelope.to_bytes(), "headers": json.dumps(envelope.headers())},
    )


async def emit_many(session: AsyncSession, schema: str,
                    events: list[tuple[str, Envelope]]) -> None:
    """Several events in one statement (arrays unnested in order, so ids keep their order)."""
    await session.execute(
        text(f'INSERT INTO "{schema}".outbox (event_id, topic, key, value, headers) '
             "SELECT e, t, k, v, CAST(h AS json) FROM unnest(CAST(:e AS uuid[]), "
             "CAST(:t AS text[]), CAST(:k AS text[]), CAST(:v AS bytea[]), CAST(:h AS text[])) "
             "WITH ORDINALITY AS x(e, t, k, v, h, n) ORDER BY n ON CONFLICT (event_id) DO NOTHING"),
        {"e": [e.event_id for _, e in events], "t": [t for t, _ in events],
         "k": [e.key for _, e in events], "v": [e.to_bytes() for _, e in events],
         "h": [json.dumps(e.headers()) for _, e in events]},
    )


def make_producer(bootstrap: str, client_id: str) -> RenewableProducer:
    # Idempotence (implies acks=all) keeps broker-side retries from writing a record twice.
    return RenewableProducer(lambda: AIOKafkaProducer(
        bootstrap_servers=bootstrap, client_id=client_id, enable_idempotence=True, linger_ms=5,
        request_timeout_ms=15000, retry_backoff_ms=200))


class RenewableProducer:
    """An AIOKafkaProducer that can be swapped for a fresh one. After a broker restart, a batch
    that expired once its sequence numbers were assigned leaves aiokafka's idempotent producer
    failing every later send with OutOfOrderSequenceNumber, for ever (aiokafka #1017; seen in
    the reliability suite). A new producer gets a new producer id; the rows it failed to send
    are still in the outbox and go out again (consumers drop any duplicate by id)."""

    def __init__(self, factory: Callable[[], AIOKafkaProducer]) -> None:
        self._factory = factory
        self._current = factory()
        self._lock = asyncio.Lock()

    def __getattr__(self, name: str):  # start, stop, send, send_and_wait, flush, client …
        return getattr(self._current, name)

    async def renew(self) -> None:
        async with self._lock:
            old, self._current = self._current, self._factory()
            log.warning("kafka producer stuck (out of order sequence); replaced by a new one")
            try:
                await asyncio.wait_for(old.stop(), 10)
            except Exception:  # it is broken: that is why it goes
                pass
            await self._current.start()


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, schema: str, producer: AIOKafkaProducer, *,
                 poll_s: float = 0.2, batch: int = 500, service: str = "") -> None:
        self._engine, self._schema, self._producer = engine, schema, producer
        self._poll_s, self._batch, self._service = poll_s, batch, service
        self._wake = asyncio.Event()
        self._stopping = False
        # time.monotonic() of the last completed round, failed or not: a failing database is for
        # readiness to report; liveness asks only whether the relay is still turning.
        self.last_progress: float = time.monotonic()

    def wake(self) -> None:
        """Called after a commit that emitted events, so they go out without waiting a poll."""
        self._wake.set()

    async def publish_once(self) -> int:
        """Publish one batch; returns the number of rows published."""
        s = self._schema
        async with self._engine.begin() as conn:
            rows = (await conn.execute(text(
                f'SELECT id, topic, key, value, headers FROM "{s}".outbox '
                "ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"),
                {"n": self._batch})).all()
            if not rows:
                return 0
            # Send in id order and await every delivery before deleting: per-key order holds
            # and a row is never gone before the broker has it.
            # outbox_row names the row a record came from: the same event id under two rows was
            # emitted twice (a state change applied twice), under one row it was sent again
            # after a crash between send and delete (harmless: consumers drop it by id).
            futures = [await self._producer.send(
                r.topic, r.value, key=r.key.encode(),
                headers=[*((k, str(v).encode()) for k, v in (r.headers or {}).items()),
                         (OUTBOX_ROW, f"{s}/{r.id}".encode())])
                for r in rows]
            await asyncio.gather(*futures)
            # Deleted, not stamped: a stamp was a second row version with two new index
            # entries for every event, and a purge later deleted the row all the same.
            await conn.execute(text(f'DELETE FROM "{s}".outbox WHERE id = ANY(:ids)'),
                               {"ids": [r.id for r in rows]})
        OUTBOX_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def backlog(self) -> int:
        async with self._engine.connect() as conn:
            return (await conn.execute(text(
                f'SELECT count(*) FROM "{self._schema}".outbox'))).scalar_one()

    async def run(self) -> None:
        failures, rounds = 0, 0
        while not self._stopping:
            try:
                n = await self.publish_once()
                failures = 0
                self.last_progress = time.monotonic()
                rounds += 1
                if rounds % 300 == 0:
                    OUTBOX_BACKLOG.labels(self._service).set(await self.backlog())
                if n == self._batch:
                    continue  # more waiting: no pause
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database away: back off, never give up
                failures += 1
                if isinstance(exc, OutOfOrderSequenceNumber) and hasattr(self._producer, "renew"):
                    try:
                        await self._producer.renew()
                    except Exception as renew_exc:  # the broker may still be away: next round
                        log.warning("producer renewal failed", error=repr(renew_exc))
                delay = min(0.2 * 2 ** failures, 5.0)
                log.warning("outbox relay failed; retrying", error=repr(exc), retry_in_s=delay)
                self.last_progress = time.monotonic()
                await asyncio.sleep(delay)
                continue
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_s)
            except TimeoutError:
                pass

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
