"""Small Kafka helpers for tests: unique topics, publishing raw bytes, collecting a topic."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.support.waiting import wait_for


# Every name unique() gave out in this process: the test session deletes those that exist when
# it ends (tests/conftest.py), and only those, so sessions sharing a broker leave each other be.
GIVEN: set[str] = set()


def unique(prefix: str) -> str:
    name = f"{prefix}.{uuid.uuid4().hex[:8]}"
    GIVEN.add(name)
    return name


async def create_topics(bootstrap: str, *names: str, partitions: int = 2) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [NewTopic(n, partitions, 1) for n in names if n not in existing]
        if new:
            await admin.create_topics(new)
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, *, prefix: str = "", names: tuple[str, ...] = ()) -> None:
    """Delete a run's own topics: those named, and every topic starting with `prefix` (a
    namespace unique to the run). The shared broker keeps every topic it is given; at ~20,000
    partitions it took minutes to start."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = sorted(t for t in existing if (prefix and t.startswith(prefix)) or t in names)
        for i in range(0, len(doomed), 200):  # a test session ends with a few thousand
            await admin.delete_topics(doomed[i:i + 200])
    finally:
        await admin.close()


async def publish(bootstrap: str, topic: str, *values: bytes, key: bytes | None = None,
                  batch: bool = False) -> None:
    """Publish in order; with batch=True all values go out in one produce request, so a
    consumer sees them together."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=100 if batch else 0)
    await producer.start()
    try:
        if batch:
            futures = [await producer.send(topic, v, key=key) for v in values]
            for f in futures:
                await f
        else:
            for v in values:
                await producer.send_and_wait(topic, v, key=key)
    finally:
        await producer.stop()


class TopicReader:
    """Reads a topic from the beginning into `records`; call `poll()` inside wait_for."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.records: list = []
        self._consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap,
                                          auto_offset_reset="earliest", enable_auto_commit=False,
                                          group_id=None,
                                          # Requests on a connection are answered in order:
                                          # end_offsets would wait out a fetch's long poll.
                                          fetch_max_wait_ms=50)

    async def start(self) -> TopicReader:
        await self._consumer.start()
        return self

    async def poll(self) -> list:
        batch = await self._consumer.getmany(timeout_ms=200)
        for recs in batch.values():
            self.records.extend(recs)
        return self.records

    async def read_to_end(self, timeout: float = 30) -> list:
        """Everything on the topic up to its end offsets as of now (call it when nothing more
        is coming, e.g. once the outbox that feeds the topic is empty)."""
        parts = await wait_for(lambda: _now(self._consumer.assignment() or None), timeout=timeout,
                               what=f"partitions of {self.topic}")
        ends = await self._consumer.end_offsets(list(parts))

        async def at_end():
            positions = [await self._consumer.position(tp) for tp in parts]
            if all(p >= ends[tp] for p, tp in zip(positions, parts)):
                return True
            await self.poll()
            return None
        await wait_for(at_end, timeout=timeout, what=f"the end of {self.topic}")
        return self.records

    async def stop(self) -> None:
        await self._consumer.stop()


async def _now(value):
    return value
