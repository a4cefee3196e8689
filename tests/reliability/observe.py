"""What the harness sees: every record of every topic of the namespace (read from the start,
kept through broker outages), consumer lag, outbox backlogs, and the 'drained' condition."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tests.support.waiting import wait_for

SERVICES = ("intake", "deadlines", "accountability", "notify")
# Which service consumes which topic (docs/architecture.md; the subscribers' own lists).
CONSUMERS = {
    "xn.in.roster": ("intake",), "xn.in.reports": ("intake",), "xn.in.matters": ("intake",),
    "xn.in.complaints": ("intake",), "xn.in.inspections": ("intake",),
    "xn.roster": ("deadlines", "accountability", "notify"), "xn.reports": ("deadlines",),
    "xn.matters": ("deadlines", "accountability"),
    "xn.complaints": ("deadlines", "accountability", "notify"),
    "xn.inspections": ("accountability",), "xn.office": ("accountability",),
    "xn.calendar": ("deadlines",), "xn.deadline-requests": ("deadlines",),
    "xn.deadlines": ("accountability", "notify"), "xn.accountability": ("notify",),
}
OUTPUTS = ("xn.notices", "xn.dead-letter")


@dataclass(frozen=True)
class Rec:
    topic: str  # without the namespace prefix
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp_ms: int
    headers: tuple[tuple[str, bytes], ...] = ()

    def header(self, name: str) -> str | None:
        return next((v.decode() for k, v in self.headers if k == name), None)


class Recorder:
    """Reads every topic of the namespace into `records` (topic → list), in the background."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.prefix = prefix
        self.names = (*CONSUMERS, *OUTPUTS)
        self.records: dict[str, list[Rec]] = {n: [] for n in self.names}
        self._consumer = AIOKafkaConsumer(*(prefix + n for n in self.names),
                                          bootstrap_servers=bootstrap, group_id=None,
                                          auto_offset_reset="earliest", enable_auto_commit=False,
                                          metadata_max_age_ms=2000, max_partition_fetch_bytes=4 << 20)
        self._task: asyncio.Task | None = None
        self._next: dict[tuple[str, int], int] = {}  # (topic, partition) → next offset to read

    async def caught_up(self, bootstrap: str, timeout: float = 60) -> None:
        """Wait until every record on the namespace's topics as of now has been read."""
        probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        await probe.start()
        try:
            topics = [self.prefix + n for n in self.names]
            tps = [TopicPartition(t, p) for t in topics
                   for p in (probe.partitions_for_topic(t) or await _partitions(probe, t))]
            ends = {(tp.topic[len(self.prefix):], tp.partition): end
                    for tp, end in (await probe.end_offsets(tps)).items()}
        finally:
            await probe.stop()

        async def read_all() -> bool:
            return all(self._next.get(k, 0) >= end for k, end in ends.items())

        await wait_for(read_all, timeout=timeout, interval=0.1, what="the recorder at the end offsets")

    async def start(self) -> Recorder:
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            try:
                batch = await self._consumer.getmany(timeout_ms=300, max_records=5000)
            except Exception:  # the broker is away: the consumer reconnects by itself
                await asyncio.sleep(0.5)
                continue
            for tp, recs in batch.items():
                name = tp.topic[len(self.prefix):]
                self.records[name].extend(Rec(name, r.partition, r.offset, r.key, r.value or b"",
                                              r.timestamp, tuple(r.headers or ()))
                                          for r in recs)
                if recs:
                    self._next[(name, tp.partition)] = recs[-1].offset + 1

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._consumer.stop(), 15)


async def consumer_lag(bootstrap: str, prefix: str) -> dict[str, int]:
    """Unconsumed records per service's consumer group, over every topic it reads."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await probe.start()
    try:
        lag: dict[str, int] = {}
        for service in SERVICES:
            topics = [prefix + t for t, who in CONSUMERS.items() if service in who]
            tps = [TopicPartition(t, p) for t in topics
                   for p in (probe.partitions_for_topic(t) or await _partitions(probe, t))]
            ends = await probe.end_offsets(tps)
            committed = await admin.list_consumer_group_offsets(prefix + service)
            lag[service] = sum(end - (committed[tp].offset if tp in committed and
                                      committed[tp].offset >= 0 else 0)
                               for tp, end in ends.items())
        return lag
    finally:
        await probe.stop()
        await admin.close()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def backlog(dsn: str) -> dict[str, int]:
    """Unpublished outbox rows per service, and notices not yet finished (notify)."""
    conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        out = {s: await conn.fetchval(f'SELECT count(*) FROM "{s}".outbox') for s in SERVICES}
        out["notices_pending"] = await conn.fetchval(
            "SELECT count(*) FROM notify.notices WHERE status = 'pending'")
        return out
    finally:
        await conn.close()


async def drained(bootstrap: str, prefix: str, dsn: str) -> dict | None:
    """None while work remains anywhere; the figures once every lag and backlog is zero."""
    try:
        lag = await consumer_lag(bootstrap, prefix)
        left = await backlog(dsn)
    except Exception:
        return None
    if any(lag.values()) or any(left.values()):
        return None
    return {"lag": lag, "backlog": left}
