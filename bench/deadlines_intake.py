"""How fast the deadlines service turns complaint.filed events into clocks, against a bare loop.

    uv run python bench/deadlines_intake.py [--events 5000] [--partitions 4] [--profile FILE]
                                            [--gc service|default]

Service: the real subscriber → pipeline (inbox, handler, outbox in one transaction per batch),
outbox relay and poller, in this process, on a fresh schema and fresh topics. N complaint.filed
envelopes (three clocks each) are on the complaints topic before the consumer starts; the clock
stops when the inbox holds the last one (applied), and again when the relay has published the
last DeadlineScheduled. Every SQL statement the service's engine sends is counted.
Baseline, same broker and database, same N, same run: aiokafka consume → asyncpg INSERT
(executemany, one transaction per batch of up to 500) → offset commit; no envelope, no inbox,
no rules, no outbox. Needs Kafka and PostgreSQL (`source .infra/env`).
GC: the collector's runs and CPU while the service works are reported; `--gc service` (the
default) applies the deadlines process's policy (shared/gc_policy.py) once the
service is built, as main.py does; `--gc default` keeps CPython's thresholds, to compare."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import re
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from aiokafka import AIOKafkaProducer  # noqa: E402
from faststream.kafka import KafkaBroker  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from bench.baseline_bare_loop import bare_step, stage as bare_stage  # noqa: E402
from shared import gc_policy  # noqa: E402
from services.deadlines.calendars import CalendarProvider  # noqa: E402
from services.deadlines.deps import Deps, Topics  # noqa: E402
from services.deadlines.domain import load_rule_book  # noqa: E402
from services.deadlines.handlers import make_handler, prepare_batch  # noqa: E402
from services.deadlines.poller import Poller  # noqa: E402
from services.deadlines.settings import HERE  # noqa: E402
from services.deadlines.subscribers import register  # noqa: E402
from shared import events  # noqa: E402,F401  (registers every payload type)
from shared.clock import SystemClock  # noqa: E402
from shared.db import make_engine, session_factory  # noqa: E402
from shared.envelope import Envelope  # noqa: E402
from shared.events.complaints import Complainant, ComplaintFiled  # noqa: E402
from shared.logs import configure_logging, get_logger  # noqa: E402
from shared.messaging.outbox import OutboxRelay, make_producer  # noqa: E402
from shared.messaging.pipeline import Pipeline  # noqa: E402
from shared.migrations import migrations_dir, upgrade_async  # noqa: E402
from tests.support.infra import locate  # noqa: E402
from tests.support.kafka import create_topics, unique  # noqa: E402

CATEGORIES = ("four_difficulties", "three_arbitrary", "bribery_obstruction", "first_contact",
              "one_time_notice")


def complaints(n: int, now: datetime) -> list[Envelope]:
    out = []
    for i in range(n):
        unit = f"U{i % 30:02d}"
        p = ComplaintFiled(
            complaint_id=f"C-{i}", channel="hotline_12345", filed_at=now,
            complainant=Complainant(name="张三", phone="13800138000"), target_unit_id=unit,
            against_leadership=False, category=CATEGORIES[i % len(CATEGORIES)],
            description="窗口办事推诿，多次往返未办结" * 4, routed_to=unit, dispatched_at=now)
        out.append(Envelope.wrap(p, key=p.complaint_id, occurred_at=now, producer="intake",
                                 unit_id=unit))
    return out


async def publish_all(bootstrap: str, topic: str, values: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, enable_idempotence=True)
    await producer.start()
    try:
        for key, value in values:
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


class GcMeter:
    """Collections per generation and the CPU they took, while `on`."""

    def __init__(self) -> None:
        self.on = False
        self.runs = [0, 0, 0]
        self.cpu_s = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if not self.on:
            return
        if phase == "start":
            self._started = time.process_time()
        else:
            self.runs[info["generation"]] += 1
            self.cpu_s += time.process_time() - self._started


def _statement_kind(sql: str) -> str:
    """A short label per statement shape: verb and table, e.g. 'INSERT deadlines'."""
    s = " ".join(sql.split())
    m = re.match(r'(UPDATE)\s+(?:"[^"]+"\.)?"?(\w+)', s, re.I) or re.match(
        r'(\w+).*?(?:FROM|INTO)\s+(?:"[^"]+"\.)?"?(\w+)', s, re.I)
    if m:
        return f"{m.group(1).upper()} {m.group(2)}"
    return s[:40]


async def bench_service(bootstrap: str, database_url: str, n: int, partitions: int,
                        profile: str | None, gc_mode: str) -> dict:
    schema = f"dlb_{uuid.uuid4().hex[:8]}"
    await upgrade_async(migrations_dir("deadlines"), schema, database_url)
    topics = Topics(**{name: unique(f"bench.{name}") for name in (
        "roster", "reports", "matters", "complaints", "deadline_requests", "calendar", "deadlines")})
    dlq = unique("bench.dlq")
    await create_topics(bootstrap, *topics.consumed(), topics.deadlines, dlq, partitions=partitions)
    envs = complaints(n, datetime.now(timezone.utc))
    await publish_all(bootstrap, topics.complaints,
                      [(e.key.encode(), e.to_bytes()) for e in envs])

    clock = SystemClock()
    engine = make_engine(database_url)
    statements: Counter[str] = Counter()
    counting = {"on": False}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if counting["on"]:  # an executemany is one statement (one round trip)
            statements[_statement_kind(statement)] += 1

    sessions = session_factory(engine)
    producer = make_producer(bootstrap, "deadlines-bench")
    await producer.start()
    relay = OutboxRelay(engine, schema, producer, poll_s=0.2, service="deadlines")
    deps = Deps(rules=load_rule_book(), topics=topics,
                calendars=CalendarProvider.from_directory(schema, HERE / "calendars"))
    pipeline = Pipeline(service="deadlines", consumer="deadlines", schema=schema,
                        sessions=sessions, producer=producer, clock=clock,
                        relay_wake=relay.wake, dead_letter_topic=dlq)
    broker = KafkaBroker(bootstrap, client_id="deadlines-bench",
                         logger=get_logger("deadlines.broker"), log_level=logging.DEBUG)
    register(broker, pipeline, make_handler(deps), topics, group_id=f"deadlines-{schema}",
             prepare=prepare_batch)
    poller = Poller(sessions=sessions, schema=schema, clock=clock, deps=deps, batch=500,
                    interval_s=0.25, wake=relay.wake)
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(poller.run())]
    if gc_mode == "service":
        gc_policy.apply()
    meter = GcMeter()
    gc.callbacks.append(meter)

    # Progress is watched on a connection of its own, so the count is the service's alone.
    watcher = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))

    async def scalar(sql: str) -> int:
        return await watcher.fetchval(sql.format(s=f'"{schema}"'))

    profiler = None
    if profile:
        from pyinstrument import Profiler
        profiler = Profiler(async_mode="enabled")
    try:
        counting["on"] = True
        if profiler:
            profiler.start()
        t0, cpu0 = time.perf_counter(), time.process_time()
        meter.on = True
        await broker.start()
        while True:
            applied = await scalar("SELECT count(*) FROM {s}.inbox")
            if applied >= n:
                break
            await asyncio.sleep(0.02)
        t_applied = time.perf_counter() - t0
        cpu_applied = time.process_time() - cpu0  # this process: consumer, handler, relay, poller
        meter.on = False
        service_statements = statements.copy()
        while True:
            # Every complaint was applied, so its DeadlineScheduled (one, with its three
            # clocks) is in the outbox or already gone from it: published when it is empty.
            if await scalar("SELECT count(*) FROM {s}.outbox") == 0:
                break
            await asyncio.sleep(0.02)
        t_published = time.perf_counter() - t0
        cpu_published = time.process_time() - cpu0
        if profiler:
            profiler.stop()
            Path(profile).write_text(profiler.output_text(unicode=True, show_all=False))
        counting["on"] = False
        clocks = await scalar("SELECT count(*) FROM {s}.deadlines")
        return {"applied_s": t_applied, "published_s": t_published, "clocks": clocks,
                "statements": service_statements, "cpu_s": cpu_applied,
                "cpu_published_s": cpu_published, "gc_runs": meter.runs,
                "gc_cpu_s": meter.cpu_s}
    finally:
        counting["on"] = False
        gc.callbacks.remove(meter)
        await broker.stop()
        relay.stop()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await producer.stop()
        await watcher.close()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


async def bench_bare(bootstrap: str, database_url: str, n: int, partitions: int) -> float:
    src = unique("bench.bare")
    await create_topics(bootstrap, src, partitions=partitions)
    now = datetime.now(timezone.utc)
    await publish_all(bootstrap, src, [(e.key.encode(), e.to_bytes()) for e in complaints(n, now)])
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    table = f"bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(f"CREATE TABLE {table} (id uuid PRIMARY KEY, body bytea NOT NULL)")
    try:
        t0 = time.perf_counter()
        await bare_stage(bootstrap, dsn, src, n, bare_step(table, _nothing))  # the e2e baseline's stage
        return time.perf_counter() - t0
    finally:
        await conn.execute(f"DROP TABLE {table}")
        await conn.close()


async def _nothing(records) -> None:
    pass


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=5000, help="complaint.filed envelopes")
    p.add_argument("--partitions", type=int, default=4, help="partitions per topic (service default)")
    p.add_argument("--profile", help="write a pyinstrument profile of the service run here")
    p.add_argument("--gc", choices=("service", "default"), default="service",
                   help="the deadlines process's GC policy, or CPython's default thresholds")
    args = p.parse_args()
    configure_logging("bench", "WARNING", "console")
    logging.getLogger("faststream").setLevel(logging.WARNING)
    infra, _, why = locate()
    if infra is None:
        sys.exit(why)
    n = args.events
    svc = await bench_service(infra.kafka_bootstrap, infra.database_url, n, args.partitions,
                              args.profile, args.gc)
    t_bare = await bench_bare(infra.kafka_bootstrap, infra.database_url, n, args.partitions)
    svc_rate = n / svc["applied_s"]
    bare_rate = n / t_bare
    print(f"deadlines service: {n} complaint.filed → {svc['clocks']} clocks; last applied after "
          f"{svc['applied_s']:.2f} s = {svc_rate:.0f} events/s; last DeadlineScheduled published "
          f"after {svc['published_s']:.2f} s = {n / svc['published_s']:.0f} events/s")
    print(f"CPU of the service process until the last was applied: "
          f"{1000 * svc['cpu_s'] / n:.3f} ms per event")
    print(f"CPU until the last DeadlineScheduled was published (the relay's share too): "
          f"{1000 * svc['cpu_published_s'] / n:.3f} ms per event")
    young, middle, full = svc["gc_runs"]
    print(f"  cyclic GC ({args.gc} policy) until the last was applied: {1000 * svc['gc_cpu_s'] / n:.3f} ms per "
          f"event; collections young/middle/full: {young}/{middle}/{full}")
    total = sum(svc["statements"].values())
    print(f"SQL statements until the last was applied: {total} = {total / n:.2f} per event")
    for kind, count in svc["statements"].most_common():
        print(f"  {count / n:7.3f}/event  {count:7d}  {kind}")
    print(f"bare aiokafka→asyncpg loop: {n} records in {t_bare:.2f} s = {bare_rate:.0f} records/s")
    print(f"service / bare: {svc_rate / bare_rate:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
