"""Faults per second end to end through the accountability service, against a bare loop.

    uv run python bench/accountability_throughput.py [--events 2000] [--units 40] [--statements]

Service: the real subscriber → pipeline (inbox, handler, outbox in one transaction) → relay,
in this process, on a fresh schema and fresh topics (1 partition each, so the fault events
arrive in business order, as they do live). N fault-producing events of a seeded campaign are
published; the clock stops when the last MeasureDecided lands on the output topic.
Baseline, same broker and database, same N: aiokafka consume → asyncpg INSERT → aiokafka
produce, no inbox, no rules, no outbox — the floor the infrastructure allows on this machine.
With --statements: instead, the SQL statements per event (the deterministic figure), counted
on the pipeline fed directly (batches of 500, no broker): the same fault events, then as many
complaint.filed events (which accountability only acknowledges).
Needs Kafka and PostgreSQL (`bash deploy/infra.sh up`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from shared import gc_policy  # noqa: E402
from shared.logs import configure_logging  # noqa: E402
from tests.integration.accountability.campaign import generate  # noqa: E402
from tests.integration.accountability.harness import env, start_service  # noqa: E402
from tests.integration.accountability.statements import counting, direct  # noqa: E402
from tests.support.infra import locate  # noqa: E402
from tests.support.kafka import TopicReader, create_topics, unique  # noqa: E402


async def bench_service(infra, n: int, units: int) -> tuple[int, int, float]:
    h = await start_service(infra.kafka_bootstrap, infra.database_url, partitions=1)
    try:
        c = generate(n, seed=42, units=units)
        events = [e for _, e in c.events if e.event_type != "fault.exemption_granted"]
        events = list({e.event_id: e for e in events}.values())  # no redeliveries here
        await h.seed_roster(c.roster, datetime(2026, 1, 1, tzinfo=timezone.utc))
        gc_policy.apply()  # as the service process does once it is built (shared/runtime.py)
        out = await TopicReader(infra.kafka_bootstrap, h.topics.accountability).start()
        base = await h.processed()
        t0 = time.perf_counter()
        for e in events:  # one topic, one partition: business order is arrival order
            await h._producer.send(h.topics.deadlines, e.to_bytes(), key=e.key.encode())
        await h._producer.flush()
        while await h.processed() < base + len(events):
            await asyncio.sleep(0.05)
        # The relay deletes a row once the broker has it: an empty outbox, everything is out.
        while (await h.query("SELECT count(*) FROM {s}.outbox"))[0][0]:
            await asyncio.sleep(0.02)
        last = time.perf_counter()
        expected = sum(1 for r in await out.read_to_end()
                       if dict(r.headers).get("event_type") == b"measure.decided")
        await out.stop()
        faults = (await h.query("SELECT count(*) FROM {s}.faults"))[0][0]
        return faults, expected, last - t0
    finally:
        for stop in h.stop:
            await stop()


async def bench_bare(infra, n: int) -> float:
    src, dst = unique("bench.src"), unique("bench.dst")
    await create_topics(infra.kafka_bootstrap, src, dst, partitions=1)
    dsn = infra.database_url.replace("postgresql+asyncpg://", "postgresql://")
    table = f"bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(f"CREATE TABLE {table} (id uuid PRIMARY KEY, body bytea NOT NULL)")
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, linger_ms=5)
    consumer = AIOKafkaConsumer(src, bootstrap_servers=infra.kafka_bootstrap,
                                group_id=f"bench-{table}", auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await producer.start()
    out = await TopicReader(infra.kafka_bootstrap, dst).start()
    payload = b"x" * 600  # about the size of a fault event
    try:
        t0 = time.perf_counter()
        for _ in range(n):
            await producer.send(src, payload)
        await producer.flush()
        await consumer.start()
        done = 0
        while done < n:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:  # one transaction and one output record per input record
                    await conn.execute(f"INSERT INTO {table} VALUES ($1, $2)", uuid.uuid4(), r.value)
                    await producer.send(dst, r.value)
                    done += 1
            await consumer.commit()
        await producer.flush()
        while len(await out.poll()) < n:
            pass
        return time.perf_counter() - t0
    finally:
        await consumer.stop()
        await producer.stop()
        await out.stop()
        await conn.execute(f"DROP TABLE {table}")
        await conn.close()


async def count_statements(infra, n: int, units: int) -> None:
    from shared.events.complaints import ComplaintFiled

    d = await direct(infra.database_url)
    try:
        c = generate(n, seed=42, units=units)
        await d.seed_roster(c.roster, datetime(2026, 1, 1, tzinfo=timezone.utc))
        events = [e for _, e in c.events if e.event_type != "fault.exemption_granted"]
        events = list({e.event_id: e for e in events}.values())
        at = datetime(2026, 3, 2, 1, tzinfo=timezone.utc)
        filed = [env(ComplaintFiled(
            complaint_id=f"CF{i}", channel="web", filed_at=at, complainant={"name": "张三"},
            target_unit_id="U01", against_leadership=False, category="four_difficulties",
            description="门难进", routed_to="U01", dispatched_at=at), f"CF{i}", at)
            for i in range(len(events))]
        for label, topic, batch in (("fault events", "deadlines", events),
                                    ("complaint.filed", "complaints", filed)):
            t0 = time.perf_counter()
            with counting(d.engine) as counted:
                await d.feed(topic, batch)
            took = time.perf_counter() - t0
            print(f"{label}: {len(batch)} events, {counted.statements} statements = "
                  f"{counted.statements / len(batch):.3f} per event; {took / len(batch) * 1e3:.2f} "
                  "ms per event in the pipeline")
    finally:
        await d.close()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=2000)
    p.add_argument("--units", type=int, default=40)
    p.add_argument("--statements", action="store_true", help="count SQL statements per event")
    args = p.parse_args()
    configure_logging("bench", "WARNING", "console")
    logging.getLogger("faststream").setLevel(logging.WARNING)
    infra, _, why = locate()
    if infra is None:
        sys.exit(why)
    if args.statements:
        await count_statements(infra, args.events, args.units)
        return
    faults, measures, t_svc = await bench_service(infra, args.events, args.units)
    t_bare = await bench_bare(infra, args.events)
    print(f"accountability service: {args.events} source events → {faults} faults, "
          f"{measures} MeasureDecided in {t_svc:.1f} s = {faults / t_svc:.0f} faults/s end to end")
    print(f"bare aiokafka→asyncpg→aiokafka loop: {args.events} records in {t_bare:.1f} s = "
          f"{args.events / t_bare:.0f} records/s")
    print(f"service / bare: {faults / t_svc / (args.events / t_bare):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
