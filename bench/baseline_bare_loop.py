"""The floor the machine allows for the end-to-end path, without our kernel or rules.

    uv run python bench/baseline_bare_loop.py [--events 3000]

Bare stages in one process, the minimum of the same work the services do for a complaint:
  intake: door topic → consume → INSERT (one transaction per batch) → produce a canonical
    record → commit;
  deadlines: canonical topic → consume → INSERT three clock rows per record (one transaction
    per batch) → commit;
  notify: canonical topic → consume → INSERT (one transaction per batch) → write the notice
    files and make them durable (one syncfs per batch where notify's outbox does the same,
    else an fsync per file) → commit.
No envelope, no inbox, no outbox relay, no routing, no templates. Measured from the first publish
to the last file. bench/e2e_throughput.py runs it in the same run as the services.

`two_stage=True` is the form used up to build 1fbb40a: no deadlines stage, an fsync per file
(not of the folder)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from bench.e2e_support import cpu_snapshot  # noqa: E402
from services.notify.channels import outbox  # noqa: E402  (how notify makes files durable)
from tests.support.infra import locate  # noqa: E402
from tests.support.kafka import create_topics, delete_topics, unique  # noqa: E402


async def stage(bootstrap: str, dsn: str, src: str, table: str, n: int, out,
                rows_per_record: int = 1) -> None:
    conn = await asyncpg.connect(dsn)
    consumer = AIOKafkaConsumer(src, bootstrap_servers=bootstrap, group_id=unique("bare"),
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    done = 0
    try:
        while done < n:
            batch = await consumer.getmany(timeout_ms=100, max_records=500)
            records = [r for rs in batch.values() for r in rs]
            if not records:
                continue
            async with conn.transaction():
                await conn.executemany(f"INSERT INTO {table} VALUES ($1, $2)",
                                       [(uuid.uuid4(), r.value) for r in records
                                        for _ in range(rows_per_record)])
            await out(records)
            await consumer.commit()
            done += len(records)
    finally:
        await consumer.stop()
        await conn.close()


async def run_baseline(bootstrap: str, database_url: str, n: int,
                       two_stage: bool = False, cpu: dict[str, float] | None = None) -> float:
    """Events per second through the bare stages. Given `cpu`, fills it with the ms of CPU per
    event of this process (the stages and the feeder that publishes the n records), the broker
    and PostgreSQL, counted as bench/e2e_throughput.py counts the services'."""
    door, canonical = unique("bare.door"), unique("bare.canonical")
    await create_topics(bootstrap, door, canonical, partitions=4)
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    tables = [f"bare_{uuid.uuid4().hex[:8]}" for _ in range(3)]
    conn = await asyncpg.connect(dsn)
    for t in tables:
        await conn.execute(f"CREATE TABLE {t} (id uuid PRIMARY KEY, body bytea NOT NULL)")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, enable_idempotence=True)
    await producer.start()
    folder = Path(tempfile.mkdtemp(prefix="bare-notices-"))
    body = b'{"type":"complaint.filed","data":{"complaint_id":"C-1","description":"' + b"x" * 400 + b'"}}'

    async def forward(records) -> None:
        for r in records:
            await producer.send(canonical, r.value, key=r.key)
        await producer.flush()

    group_sync = outbox._GROUP_SYNC and not two_stage

    async def write_files(records) -> None:
        def write() -> None:
            fd = os.open(folder, os.O_RDONLY)
            try:
                for r in records:
                    p = folder / f"{uuid.uuid4().hex}.txt"
                    with open(p, "wb") as f:
                        f.write(r.value)
                        f.flush()
                        if not group_sync:
                            os.fsync(f.fileno())
                if group_sync:
                    outbox._syncfs(fd)
                elif not two_stage:  # the names too, as notify's outbox does
                    os.fsync(fd)
            finally:
                os.close(fd)
        await asyncio.to_thread(write)

    async def nothing(records) -> None:
        pass

    try:
        cpu0 = cpu_snapshot({"bare loop": os.getpid()})
        t0 = time.perf_counter()
        for i in range(n):
            await producer.send(door, body, key=f"C-{i}".encode())
        await producer.flush()
        stages = [stage(bootstrap, dsn, door, tables[0], n, forward),
                  stage(bootstrap, dsn, canonical, tables[1], n, write_files)]
        if not two_stage:
            stages.append(stage(bootstrap, dsn, canonical, tables[2], n, nothing,
                                rows_per_record=3))
        await asyncio.gather(*stages)
        rate = n / (time.perf_counter() - t0)
        if cpu is not None:
            cpu1 = cpu_snapshot({"bare loop": os.getpid()})
            cpu.update({k: round(1000 * (cpu1[k] - cpu0[k]) / n, 3) for k in cpu1})
        return rate
    finally:
        await producer.stop()
        await delete_topics(bootstrap, names=(door, canonical))
        for t in tables:
            await conn.execute(f"DROP TABLE {t}")
        await conn.close()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=3000)
    p.add_argument("--two-stage", action="store_true", help="the form used up to build 1fbb40a")
    args = p.parse_args()
    infra, _, why = locate()
    if infra is None:
        sys.exit(why)
    cpu: dict[str, float] = {}
    rate = await run_baseline(infra.kafka_bootstrap, infra.database_url, args.events,
                              args.two_stage, cpu)
    form = "two-stage" if args.two_stage else "three-stage"
    print(f"bare {form} loop: {args.events} events, {rate:.0f} events/s; "
          f"CPU ms per event: {cpu} = {sum(cpu.values()):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
