"""Sustained intake throughput: the Kafka door and the HTTP door, each against a bare aiokafka
produce loop measured in the same run (same broker, same machine).

    cd /work/main && uv run python -m bench.intake_throughput [--kafka N] [--http N] [--bare N]

Needs the infrastructure of `bash deploy/infra.sh up` (reads .infra/env). Uses a fresh schema
and fresh topics, dropped afterwards. Figures:
  bare     aiokafka producer (idempotent, acks=all, as the outbox relay) sending N records
  kafka    N door messages already waiting on xn.in.*: from consumer start until all N canonical
           events are on the output topic (parse, validate, inbox, state, outbox, relay)
  http     N POSTs, 16 concurrent clients, in-process through httpx's ASGI transport (no TCP,
           no uvicorn): from first request until all N events are on the output topic"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from services.intake import examples
from services.intake.commands import COMMANDS
from services.intake.subscribers import build_door_router
from shared.logs import configure_logging
from tests.integration.intake.harness import start_intake
from shared import gc_policy
from tests.support.infra import locate
from tests.support.kafka import unique, create_topics

FINDING = examples.example("inspection.finding_recorded")


def door_message(n: int) -> bytes:
    return json.dumps({"type": "inspection.finding_recorded", "source": "bench",
                       "external_id": f"b-{n}", "data": {**FINDING, "finding_id": f"K-{n}"}},
                      ensure_ascii=False).encode()


async def bare_loop(bootstrap: str, n: int) -> float:
    topic = unique("bench.bare")
    await create_topics(bootstrap, topic, partitions=1)
    p = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5)
    await p.start()
    try:
        body = door_message(0)
        t0 = time.perf_counter()
        futs = [await p.send(topic, body, key=str(i).encode()) for i in range(n)]
        await asyncio.gather(*futs)
        return n / (time.perf_counter() - t0)
    finally:
        await p.stop()


async def drain(it, topic: str, n: int) -> float:
    """Seconds until n events are on `topic` (polls the reader)."""
    r = await it.reader(topic)
    while len(await r.poll()) < n:
        pass
    return time.perf_counter()


async def kafka_door(bootstrap: str, dsn: str, n: int) -> float:
    async for it in start_intake(bootstrap, dsn, with_doors=False):
        await seed(it)
        gc_policy.apply()  # as the service process does once it is built (shared/runtime.py)
        p = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
        await p.start()
        futs = [await p.send(it.doors.inspections, door_message(i)) for i in range(n)]
        await asyncio.gather(*futs)
        await p.stop()
        pipeline = it.pipeline
        broker = KafkaBroker(bootstrap, logger=None)  # no per-message access log
        broker.include_router(build_door_router(pipeline, it.topics, it.doors,
                                                group_id=f"bench-{uuid.uuid4().hex[:6]}"))
        t0 = time.perf_counter()
        await broker.start()
        t1 = await drain(it, it.topics.inspections, n)
        await broker.stop()
        return n / (t1 - t0)
    raise RuntimeError("unreachable")


async def http_door(bootstrap: str, dsn: str, n: int, concurrency: int = 16) -> float:
    async for it in start_intake(bootstrap, dsn, with_doors=False):
        await seed(it)
        path = COMMANDS["inspection.finding_recorded"].path
        queue = iter(range(n))

        async def client() -> None:
            for i in queue:
                r = await it.post(path, {**FINDING, "finding_id": f"H-{i}"})
                assert r.status_code == 202, r.text

        t0 = time.perf_counter()
        await asyncio.gather(*[client() for _ in range(concurrency)])
        t1 = await drain(it, it.topics.inspections, n)
        return n / (t1 - t0)
    raise RuntimeError("unreachable")


async def seed(it) -> None:
    for type_, data in examples.ROSTER:
        assert (await it.post(COMMANDS[type_].path, data)).status_code in (200, 202)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bare", type=int, default=20000)
    ap.add_argument("--kafka", type=int, default=3000)
    ap.add_argument("--http", type=int, default=1000)
    a = ap.parse_args()
    configure_logging("bench", "WARNING", "json")
    infra, _, why = locate()
    if infra is None:
        raise SystemExit(why)
    bare = await bare_loop(infra.kafka_bootstrap, a.bare)
    print(f"bare aiokafka produce loop: {bare:10.0f} msg/s  ({a.bare} records)")
    k = await kafka_door(infra.kafka_bootstrap, infra.database_url, a.kafka)
    print(f"intake Kafka door        : {k:10.0f} events/s  ({a.kafka} messages, end to end)")
    h = await http_door(infra.kafka_bootstrap, infra.database_url, a.http)
    print(f"intake HTTP door         : {h:10.0f} events/s  ({a.http} requests, 16 concurrent)")
    print(f"ratios vs bare produce   : Kafka door {k / bare:.1%}, HTTP door {h / bare:.1%}")


if __name__ == "__main__":
    asyncio.run(main())
