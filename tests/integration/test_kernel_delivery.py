"""The kernel over the real broker and database: at-least-once in, exactly-once effect, outbox
out, poison to the dead-letter topic without blocking the partition."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from sqlalchemy import text

from shared.clock import ManualClock
from shared.db import make_engine, session_factory
from shared.envelope import Envelope
from shared.messaging.outbox import OutboxRelay, make_producer
from shared.messaging.pipeline import Pipeline
from shared.messaging.subscriber import at_least_once, raw
from shared.migrations import upgrade_async
from tests.integration.kernel_app.app import MIGRATIONS, NotePosted, make_handler
from tests.support.kafka import TopicReader, create_topics, publish, unique
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
T0 = datetime(2026, 5, 11, 9, 0, tzinfo=timezone.utc)


def note(note_id: str, body: str) -> Envelope:
    return Envelope.wrap(NotePosted(note_id=note_id, text=body), key="case-1", occurred_at=T0,
                         producer="a-plain-aiokafka-client")


@pytest.fixture
async def kernel(infra):
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
    handler = make_handler(out_t)

    @broker.subscriber(in_t, **at_least_once(f"kernel-{schema}"))
    async def on_note(body: bytes, msg: KafkaMessage) -> None:
        await pipeline.process(raw(msg), handler)
        await msg.ack()

    import asyncio
    relay_task = asyncio.create_task(relay.run())
    await broker.start()
    yield {"schema": schema, "in": in_t, "out": out_t, "dlq": dlq_t, "engine": engine}
    await broker.stop()
    relay.stop()
    await relay_task
    await producer.stop()
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


async def test_duplicate_delivery_is_stored_once_and_poison_does_not_block(infra, kernel):
    first, second, last = note("n1", "门难进"), note("n2", "forbidden"), note("n3", "脸难看")
    # n1 is delivered twice (a producer retry), then a body that is not JSON, then an event
    # the business rule rejects, then a good one that must still get through.
    await publish(infra.kafka_bootstrap, kernel["in"], first.to_bytes(), first.to_bytes(),
                  b"{not json", second.to_bytes(), last.to_bytes(), key=b"case-1")

    out = await TopicReader(infra.kafka_bootstrap, kernel["out"]).start()
    dlq = await TopicReader(infra.kafka_bootstrap, kernel["dlq"]).start()
    try:
        await wait_for(lambda: _has(out, 2), what="two NoteStored events")
        await wait_for(lambda: _has(dlq, 2), what="two dead letters")
        stored = [Envelope.from_bytes(r.value) for r in out.records]
        assert [e.payload["note_id"] for e in stored] == ["n1", "n3"]
        assert stored[0].causation_id == first.event_id
        assert stored[0].correlation_id == first.correlation_id

        letters = [json.loads(r.value) for r in dlq.records]
        assert letters[0]["value_text"] == "{not json"
        assert letters[0]["error_type"] == "invalid_envelope"
        assert "Invalid JSON" in letters[0]["error"]
        assert letters[0]["original_topic"] == kernel["in"]
        assert letters[1]["error"] == "notes may not say 'forbidden'"
        assert letters[1]["error_type"] == "rejected"

        async with kernel["engine"].connect() as conn:
            notes = (await conn.execute(text(
                f'SELECT note_id FROM "{kernel["schema"]}".notes ORDER BY note_id'))).scalars().all()
            inbox = (await conn.execute(text(
                f'SELECT count(*) FROM "{kernel["schema"]}".inbox'))).scalar_one()
        assert notes == ["n1", "n3"]  # the duplicate changed nothing; the rejected one neither
        assert inbox == 2
    finally:
        await out.stop()
        await dlq.stop()


async def _has(reader: TopicReader, n: int) -> bool:
    return len(await reader.poll()) >= n
