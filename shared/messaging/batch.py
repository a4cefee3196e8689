"""Batches: many messages, one transaction, one offset commit.

A transaction per message costs a WAL flush and a Kafka commit per message; a batch pays them
once. Semantics stay those of Pipeline.process:
- messages that do not parse are dead-lettered (they never enter the transaction);
- the inbox insert for the whole batch is one statement; ids already there are skipped, and
  an id twice in one batch is applied once;
- with `accepts` (the event types the handler acts on), any other event is passed over without
  parsing its payload, an inbox row or a handler call: outcome 'ignored'. The type is read from
  the record's `event_type` header, which every outbox row carries (its payload was validated
  when it was built). A record without the header did not come from one of our outboxes: it is
  checked in full (an invalid one is dead-lettered) before it may be passed over. A type no one
  registered is never passed over but dead-lettered;
- an optional `prepare(tx, values)` runs first, inside the transaction, with the values about
  to be applied (not duplicates), so a service can read what the whole batch needs at once;
- handlers run in log order inside the transaction; their outbox rows are written at the end;
- any handler error rolls the batch back and the batch is redone one message at a time through
  the single-message path, which dead-letters the poison one and keeps per-case order;
- a database or broker outage retries the whole batch until it ends."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import ValidationError
from sqlalchemy import text

from shared.envelope import Envelope, UnknownEventType, is_registered
from shared.logs import get_logger, held_until_committed
from shared.messaging.deadletter import RawMessage
from shared.messaging.errors import PoisonMessage, explain, is_infrastructure_error
from shared.messaging.tx import Tx
from shared.metrics import BATCH_RECORDS, EVENTS_IN, HANDLER_SECONDS, RETRIES

if TYPE_CHECKING:
    from shared.messaging.pipeline import Pipeline

log = get_logger(__name__)


@dataclass
class _Item:
    index: int
    msg: RawMessage
    dedup_id: uuid.UUID
    label: str
    value: Any  # the Envelope, or the parsed raw item
    context: dict[str, Any]


def _parse(msg: RawMessage, parse, accepts: Collection[str] | None = None
           ) -> tuple[uuid.UUID, str, Any, dict[str, Any]]:
    """(dedup id, label, value, log context); value None: an envelope of a type not accepted."""
    if parse is None:
        env = Envelope.from_bytes(msg.value)
        env.parsed()  # no header: not from one of our outboxes, so checked in full first
        if accepts is not None and _passed_over(env.event_type, accepts):
            return env.event_id, env.event_type, None, {}
        return env.event_id, env.event_type, env, {
            "event_id": str(env.event_id), "correlation_id": str(env.correlation_id),
            "event_type": env.event_type, "unit_id": env.unit_id}
    dedup_id, label, item = parse(msg.value)
    return dedup_id, label, item, {"event_type": label}


Prepare = Callable[[Tx, list[Any]], Awaitable[None]]


def _passed_over(event_type: str, accepts: Collection[str]) -> bool:
    # A type nobody registered is not "another consumer's business": it is dead-lettered.
    return event_type not in accepts and is_registered(event_type)


def _header_type(msg: RawMessage) -> str | None:
    for k, v in msg.headers:
        if k == "event_type":
            return v.decode("utf-8", "replace")
    return None


async def process_batch(p: Pipeline, msgs: list[RawMessage], handler: Callable[..., Awaitable[None]],
                        parse, prepare: Prepare | None = None,
                        accepts: Collection[str] | None = None) -> list[str]:
    BATCH_RECORDS.labels(p.service).observe(len(msgs))
    outcomes = ["dead-lettered"] * len(msgs)
    items: list[_Item] = []
    ignored = 0
    for i, msg in enumerate(msgs):
        if accepts is not None and (t := _header_type(msg)) is not None and _passed_over(t, accepts):
            outcomes[i], ignored = "ignored", ignored + 1
            continue
        try:
            dedup_id, label, value, ctx = _parse(msg, parse, accepts)
            if value is None:
                outcomes[i], ignored = "ignored", ignored + 1
                continue
        except PoisonMessage as exc:
            await p._dead_letter(msg, exc, 1)
            continue
        except (ValidationError, UnknownEventType, ValueError) as exc:
            code = "invalid_envelope" if parse is None else "invalid_input"
            await p._dead_letter(msg, PoisonMessage(explain(exc), code=code), 1)
            continue
        items.append(_Item(i, msg, dedup_id, label, value, ctx))
    if ignored:
        EVENTS_IN.labels(p.service, msgs[0].topic, "ignored").inc(ignored)
        p.last_progress = time.monotonic()
    if not items:
        return outcomes

    attempt = 0
    while True:
        attempt += 1
        started = time.perf_counter()
        try:
            applied = await _apply_all(p, items, handler, prepare)
            break
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not is_infrastructure_error(exc):
                log.info("batch failed; redoing it one message at a time", error=repr(exc),
                         size=len(items))
                for it in items:
                    outcomes[it.index] = await _single(p, it, handler)
                return outcomes
            delay = min(p._backoff * 2 ** (attempt - 1), p._backoff_max)
            RETRIES.labels(p.service, items[0].msg.topic).inc()
            log.warning("batch failed; retrying", error=repr(exc), attempt=attempt, retry_in_s=delay)
            p.last_progress = time.monotonic()
            await asyncio.sleep(delay)
    elapsed = time.perf_counter() - started
    for it in items:
        outcome = "applied" if it.index in applied else "duplicate"
        outcomes[it.index] = outcome
        EVENTS_IN.labels(p.service, it.msg.topic, outcome).inc()
        HANDLER_SECONDS.labels(p.service, it.msg.topic).observe(elapsed / len(items))
    p.last_progress = time.monotonic()
    if applied:
        p._wake()
        # One line per batch instead of one per event (a line costs as much as a small
        # handler); it names every case applied, so one grep of a correlation id still
        # follows a case through every service's log.
        structlog.contextvars.clear_contextvars()
        log.info("batch applied", topic=items[0].msg.topic, applied=len(applied),
                 duplicates=len(items) - len(applied),
                 correlation_ids=sorted({it.context["correlation_id"] for it in items
                                         if it.index in applied and "correlation_id" in it.context}))
    return outcomes


async def _apply_all(p: Pipeline, items: list[_Item], handler, prepare: Prepare | None) -> set[int]:
    # The handlers' lines wait for the commit: a batch redone (one at a time, or after an
    # outage) would otherwise log each of its decisions once per attempt.
    with held_until_committed():
        return await _apply_all_once(p, items, handler, prepare)


async def _apply_all_once(p: Pipeline, items: list[_Item], handler,
                          prepare: Prepare | None) -> set[int]:
    applied: set[int] = set()
    async with p._sessions() as session, session.begin():
        fresh = set((await session.execute(
            text(f'INSERT INTO "{p.schema}".inbox (consumer, event_id, topic) '
                 "SELECT :c, e, t FROM unnest(CAST(:ids AS uuid[]), CAST(:labels AS text[])) "
                 "AS x(e, t) ON CONFLICT DO NOTHING RETURNING event_id"),
            {"c": p.consumer, "ids": [it.dedup_id for it in items],
             "labels": [it.label for it in items]})).scalars())
        tx = Tx(session, p.schema, p._clock, buffered=True)
        todo: list[_Item] = []
        for it in items:
            if it.dedup_id in fresh:
                fresh.discard(it.dedup_id)  # the same id twice in one batch: apply the first only
                todo.append(it)
        if prepare is not None and todo:
            await prepare(tx, [it.value for it in todo])
        for it in todo:
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(topic=it.msg.topic, partition=it.msg.partition,
                                                   offset=it.msg.offset, **it.context)
            await handler(tx, it.value)
            applied.add(it.index)
        await tx.flush()
    return applied


async def _single(p: Pipeline, it: _Item, handler) -> str:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(topic=it.msg.topic, partition=it.msg.partition,
                                           offset=it.msg.offset, **it.context)
    return await p._run(it.msg, it.dedup_id, it.label, lambda tx: handler(tx, it.value))
