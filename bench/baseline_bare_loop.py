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
(not of the folder).

`guarded=True` does the same three stages with the delivery guarantees the services give, and
nothing else: each batch's ids go into an inbox table first (a redelivered record changes
nothing), the records intake forwards are written to an outbox table in the same transaction
and deleted once the broker has them, and notify's files are written after its transaction
commits and recorded as sent in a second one. It publishes no events the bare stages do not
(the services also publish deadline.scheduled and notice.sent)."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
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


async def stage(bootstrap: str, dsn: str, src: str, n: int, apply) -> None:
    """Consume `src` until n records are through: `apply(conn, records)` per batch, then the
    offset commit."""
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
            await apply(conn, records)
            await consumer.commit()
            done += len(records)
    finally:
        await consumer.stop()
        await conn.close()


def bare_step(table: str, out, rows_per_record: int = 1):
    """INSERT in one transaction, then `out(records)`."""
    async def apply(conn, records) -> None:
        async with conn.transaction():
            await conn.executemany(f"INSERT INTO {table} VALUES ($1, $2)",
                                   [(uuid.uuid4(), r.value) for r in records
                                    for _ in range(rows_per_record)])
        await out(records)
    return apply


NS = uuid.UUID("5f1c3a52-1d47-4b3e-9a51-6a0c2b7e9d10")


def guarded_step(table: str, out, rows_per_record: int = 1):
    """`bare_step` with an inbox, and an outbox for what it forwards (see the module's docstring).
    `out.hold(conn, records, row_ids)` runs inside the transaction and `out.release(conn,
    records, held)` after the commit, with its own bookkeeping."""
    async def apply(conn, records) -> None:
        ids = [uuid.uuid5(NS, r.key.decode()) for r in records]
        async with conn.transaction():
            fresh = {row[0] for row in await conn.fetch(
                f"INSERT INTO {table}_inbox SELECT unnest($1::uuid[]) "
                "ON CONFLICT DO NOTHING RETURNING id", ids)}
            todo = [r for r, i in zip(records, ids) if i in fresh]
            rows = [(uuid.uuid4(), r.value) for r in todo for _ in range(rows_per_record)]
            await conn.executemany(f"INSERT INTO {table} (id, body) VALUES ($1, $2)", rows)
            held = await out.hold(conn, todo, [i for i, _ in rows])
        await out.release(conn, todo, held)
    return apply


async def run_baseline(bootstrap: str, database_url: str, n: int,
                       two_stage: bool = False, cpu: dict[str, float] | None = None,
                       guarded: bool = False, leftovers: list[Path] | None = None) -> float:
    """Events per second through the bare stages. Given `cpu`, fills it with the ms of CPU per
    event of this process (the stages and the feeder that publishes the n records), the broker
    and PostgreSQL, counted as bench/e2e_throughput.py counts the services'. Given
    `leftovers`, the notice files are kept and their folder appended to it, for the caller to
    delete once nothing more is measured."""
    door, canonical = unique("bare.door"), unique("bare.canonical")
    await create_topics(bootstrap, door, canonical, partitions=4)
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    tables = [f"bare_{uuid.uuid4().hex[:8]}" for _ in range(3)]
    conn = await asyncpg.connect(dsn)
    for t in tables:
        await conn.execute(f"CREATE TABLE {t} (id uuid PRIMARY KEY, body bytea NOT NULL"
                           + (", sent boolean NOT NULL DEFAULT false)" if guarded else ")"))
        if guarded:
            await conn.execute(f"CREATE TABLE {t}_inbox (id uuid PRIMARY KEY)")
            await conn.execute(f"CREATE TABLE {t}_outbox (id bigint GENERATED ALWAYS AS "
                               "IDENTITY PRIMARY KEY, key bytea NOT NULL, value bytea NOT NULL)")
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

    class Forward:  # guarded: through the outbox
        @staticmethod
        async def hold(c, records, row_ids):
            return [row[0] for row in await c.fetch(
                f"INSERT INTO {tables[0]}_outbox (key, value) SELECT * FROM "
                "unnest($1::bytea[], $2::bytea[]) RETURNING id",
                [r.key for r in records], [r.value for r in records])]

        @staticmethod
        async def release(c, records, ids):
            # As the relay does: read the committed rows back under a lock, send them, and
            # delete them in the same transaction once the broker has them.
            async with c.transaction():
                rows = await c.fetch(f"SELECT id, key, value FROM {tables[0]}_outbox "
                                     "WHERE id = ANY($1) ORDER BY id FOR UPDATE SKIP LOCKED", ids)
                for r in rows:
                    await producer.send(canonical, r["value"], key=r["key"])
                await producer.flush()
                await c.execute(f"DELETE FROM {tables[0]}_outbox WHERE id = ANY($1)",
                                [r["id"] for r in rows])

    class Files:  # guarded: sent after the commit, then recorded
        @staticmethod
        async def hold(c, records, row_ids):
            return row_ids

        @staticmethod
        async def release(c, records, row_ids):
            await write_files(records)
            await c.execute(f"UPDATE {tables[1]} SET sent = true WHERE id = ANY($1)", row_ids)

    class Nothing:
        @staticmethod
        async def hold(c, records, row_ids):
            return None

        @staticmethod
        async def release(c, records, _):
            pass

    try:
        cpu0 = cpu_snapshot({"bare loop": os.getpid()})
        t0 = time.perf_counter()
        for i in range(n):
            await producer.send(door, body, key=f"C-{i}".encode())
        await producer.flush()
        step = guarded_step if guarded else bare_step
        stages = [stage(bootstrap, dsn, door, n, step(tables[0], Forward if guarded else forward)),
                  stage(bootstrap, dsn, canonical, n,
                        step(tables[1], Files if guarded else write_files))]
        if not two_stage:
            stages.append(stage(bootstrap, dsn, canonical, n,
                                step(tables[2], Nothing if guarded else nothing, 3)))
        await asyncio.gather(*stages)
        rate = n / (time.perf_counter() - t0)
        if cpu is not None:
            cpu1 = cpu_snapshot({"bare loop": os.getpid()})
            cpu.update({k: round(1000 * (cpu1[k] - cpu0[k]) / n, 3) for k in cpu1})
        return rate
    finally:
        await producer.stop()
        if leftovers is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            leftovers.append(folder)
        await delete_topics(bootstrap, names=(door, canonical))
        for t in tables:
            await conn.execute(f"DROP TABLE {t}")
            if guarded:
                await conn.execute(f"DROP TABLE {t}_inbox, {t}_outbox")
        await conn.close()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=3000)
    p.add_argument("--two-stage", action="store_true", help="the form used up to build 1fbb40a")
    p.add_argument("--guarded", action="store_true",
                   help="three stages with an inbox, an outbox and send-then-record")
    args = p.parse_args()
    infra, _, why = locate()
    if infra is None:
        sys.exit(why)
    cpu: dict[str, float] = {}
    rate = await run_baseline(infra.kafka_bootstrap, infra.database_url, args.events,
                              args.two_stage, cpu, args.guarded)
    form = "two-stage" if args.two_stage else "guarded" if args.guarded else "three-stage"
    print(f"bare {form} loop: {args.events} events, {rate:.0f} events/s; "
          f"CPU ms per event: {cpu} = {sum(cpu.values()):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
