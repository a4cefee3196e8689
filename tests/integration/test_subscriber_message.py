"""Every subscriber takes the batch's message as `shared.messaging.subscriber.Message`. What that
relies on, over the real broker: the handler gets the records it is to ack, and resolving the
message is not handed to a worker thread (faststream's own KafkaMessage annotation is resolved
synchronously, so fast_depends runs it in one: a thread hop per batch)."""

from __future__ import annotations

import asyncio

import fast_depends.utils
import pytest
from faststream.kafka import KafkaBroker

from shared.messaging.subscriber import Message, at_least_once_batch, raw_batch
from tests.support.kafka import create_topics, publish, unique

pytestmark = pytest.mark.integration


async def test_a_batch_subscriber_gets_its_records_without_a_worker_thread(infra, monkeypatch):
    hops: list[str] = []
    real = fast_depends.utils.run_in_threadpool

    async def counting(func, *args, **kwargs):
        hops.append(getattr(func, "__qualname__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(fast_depends.utils, "run_in_threadpool", counting)
    topic = unique("t.subscriber")
    await create_topics(infra.kafka_bootstrap, topic, partitions=1)
    got: list[bytes] = []
    done = asyncio.Event()
    broker = KafkaBroker(infra.kafka_bootstrap)

    @broker.subscriber(topic, **at_least_once_batch(f"g-{topic}"))
    async def on_batch(bodies: list[bytes], msg: Message) -> None:
        got.extend(r.value for r in raw_batch(msg))
        await msg.ack()
        if len(got) >= 3:
            done.set()

    await broker.start()
    try:
        await publish(infra.kafka_bootstrap, topic, b"a", b"b", b"c")
        await asyncio.wait_for(done.wait(), 30)
    finally:
        await broker.stop()
    assert got == [b"a", b"b", b"c"]
    assert hops == []
