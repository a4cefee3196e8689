"""Fixtures for the kernel's own integration tests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone

import pytest
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from sqlalchemy import text

from shared.clock import ManualClock
from shared.db import make_engine, session_factory
from shared.messaging.outbox import OutboxRelay, make_producer
from shared.messaging.pipeline import Pipeline
from shared.messaging.subscriber import at_least_once, at_least_once_batch, raw, raw_batch
from shared.migrations import upgrade_async
from tests.integration.kernel_app.app import MIGRATIONS, make_handler
from tests.support.kafka import create_topics, unique

T0 = datetime(2026, 5, 11, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["single", "batch"])
async def kernel(infra, request):
    schema = f"kernel_{uuid.uuid4().hex[:8]}"
    await upgrade_async(MIGRATIONS, schema, infra.database_url)
    in_t, out_t, dlq_t = unique("t.in"), unique("t.out"), unique("t.dlq")
    await create_topics(infra.kafka_bootstrap, in_t, out_t, dlq_t, partitions=1)
    engine = make_engine(infra.database_url)
    producer = make_producer(infra.kafka_bootstrap, "kernel-test")
    await producer.start()
    relay = OutboxRelay(engine, schema, producer, poll_s=0.05)
    pipeline = Pipeline(service="kernel-test", consumer="kernel-test", schema=schema,
                        sessions=session_factory(engine), producer=producer,
                        clock=ManualClock(T0), relay_wake=relay.wake, dead_letter_topic=dlq_t,
                        backoff_s=0.01)
    broker = KafkaBroker(infra.kafka_bootstrap)
    forbidden: set[str] = set()
    handler = make_handler(out_t, forbidden)

    batches: list[int] = []
    if request.param == "single":
        @broker.subscriber(in_t, **at_least_once(f"kernel-{schema}"))
        async def on_note(body: bytes, msg: KafkaMessage) -> None:
            await pipeline.process(raw(msg), handler)
            await msg.ack()
    else:
        @broker.subscriber(in_t, **at_least_once_batch(f"kernel-{schema}", batch_timeout_ms=300))
        async def on_notes(bodies: list[bytes], msg: KafkaMessage) -> None:
            batches.append(len(bodies))
            await pipeline.process_batch(raw_batch(msg), handler)
            await msg.ack()

    relay_task = asyncio.create_task(relay.run())
    await broker.start()
    yield {"schema": schema, "in": in_t, "out": out_t, "dlq": dlq_t, "engine": engine,
           "forbidden": forbidden, "mode": request.param, "batches": batches,
           "pipeline": pipeline}
    await broker.stop()
    relay.stop()
    await relay_task
    await producer.stop()
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


