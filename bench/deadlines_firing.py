"""Benchmark: firing lateness and per-poll cost of the deadlines service with 10,000 vs
1,000,000 open deadlines, the service running as its own process (python -m services.deadlines).

    uv run python bench/deadlines_firing.py [--sizes 10000 1000000] [--firing 2000]

Per size: a fresh database; the open deadlines are bulk-inserted with generate_series (not
through Kafka), due days to weeks ahead; then the service starts and FIRING deadlines fall due
over ~15 s of wall time. Lateness = Kafka record timestamp of the red card − due instant.
Poll cost comes from the service's own histogram (xn_deadlines_poll_seconds) and from EXPLAIN
(ANALYZE, BUFFERS) of the claim query; memory is the process RSS from /proc."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.deadlines.codec import schedule_to_json  # noqa: E402
from services.deadlines.domain import WorkCalendar, compute_schedule, load_rule_book, open_deadline  # noqa: E402
from shared.envelope import Envelope  # noqa: E402
from shared.migrations import migrations_dir, upgrade_async  # noqa: E402
from tests.support.infra import locate  # noqa: E402
from tests.support.kafka import TopicReader, create_topics  # noqa: E402
from tests.support.processes import Deployment, create_database, drop_database, new_namespace  # noqa: E402

LEAD_S, SPREAD_S = 6.0, 15.0  # first firing deadline due LEAD_S after start, spread over SPREAD_S


def templates() -> tuple[str, str]:
    rule = load_rule_book().rule("matter")
    state = open_deadline(rule, datetime(2026, 5, 11, 9, tzinfo=timezone.utc), limit_days=20)
    schedule = compute_schedule(state, rule, WorkCalendar())
    sched = schedule_to_json(schedule) | {"warnings": []}
    return state.model_dump_json(), json.dumps(sched)


INSERT = """
INSERT INTO deadlines.deadlines (deadline_id, kind, subject_type, subject_id, unit_id, responsible,
  status, card, state, schedule, due_at, next_fire_at, provisional, provisional_years,
  calendar_version, rule_version, round, hops, origin_event_id, correlation_id)
SELECT 'matter:' || $1 || g, 'matter', 'matter', $1 || g, 'U' || (g % 300), '{}'::jsonb, 'open',
  'none', $2::jsonb,
  jsonb_set($3::jsonb, '{due_at}', to_jsonb(to_char(d AT TIME ZONE 'UTC',
            'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'))),
  d, d + interval '1 millisecond', false, '{}', 'cc-1.11.0', '2026.1', 0, 0,
  gen_random_uuid(), gen_random_uuid()
FROM generate_series(1, $4) g,
     LATERAL (SELECT $5::timestamptz + (g % $7) * ($6::float8 / $7) * interval '1 second') t(d)
"""


def rss_kb(pid: int) -> int:
    m = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(m.group(1)) if m else 0


async def poll_metrics(url: str) -> tuple[float, float]:
    async with httpx.AsyncClient(timeout=5) as c:
        text = (await c.get(f"{url}/metrics")).text
    get = lambda name: float(re.search(rf"^{name} (\S+)$", text, re.M).group(1))  # noqa: E731
    return get("xn_deadlines_poll_seconds_sum"), get("xn_deadlines_poll_seconds_count")


async def scenario(infra, open_n: int, firing: int, log_dir: Path) -> dict:
    db, prefix = new_namespace()
    dsn = await create_database(infra, db)
    pg = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
    dep = None
    try:
        await upgrade_async(migrations_dir("deadlines"), "deadlines", dsn)
        state, sched = templates()
        t = time.perf_counter()
        far = datetime.now(timezone.utc) + timedelta(days=1)
        await pg.execute(INSERT, "B", state, sched, open_n, far, 60 * 86400.0, open_n)
        await pg.execute("ANALYZE deadlines.deadlines")
        insert_s = time.perf_counter() - t
        out_topic = prefix + "xn.deadlines"
        await create_topics(infra.kafka_bootstrap, out_topic, *(prefix + n for n in (
            "xn.roster", "xn.reports", "xn.matters", "xn.complaints", "xn.deadline-requests",
            "xn.calendar", "xn.dead-letter")), partitions=2)
        dep = Deployment(infra, dsn, prefix, log_dir, extra_env={"XN_LOG_LEVEL": "WARNING"})
        svc = dep.start("deadlines", name=f"deadlines-{open_n}")
        await svc.wait_ready()
        reader = await TopicReader(infra.kafka_bootstrap, out_topic).start()
        pid = svc.popen.pid
        rss_ready = rss_kb(pid)
        sum0, count0 = await poll_metrics(svc.url)
        start = datetime.now(timezone.utc) + timedelta(seconds=LEAD_S)
        await pg.execute(INSERT, "F", state, sched, firing, start, SPREAD_S, firing)
        rss_samples, lateness = [rss_ready], []
        deadline = time.monotonic() + LEAD_S + SPREAD_S + 30
        while len(lateness) < firing and time.monotonic() < deadline:
            for rec in (await reader.poll())[len(lateness):]:
                env = Envelope.from_bytes(rec.value)
                due = datetime.fromisoformat(env.payload["deadline"]["due_at"])
                lateness.append(rec.timestamp / 1000 - due.timestamp())
            rss_samples.append(rss_kb(pid))
            await asyncio.sleep(0.2)
        sum1, count1 = await poll_metrics(svc.url)
        await reader.stop()
        now = datetime.now(timezone.utc)
        plan = await pg.fetchval(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT deadline_id FROM deadlines.deadlines "
            "WHERE status = 'open' AND next_fire_at IS NOT NULL AND next_fire_at <= $1 "
            "ORDER BY next_fire_at LIMIT 500 FOR UPDATE SKIP LOCKED", now)
        top = json.loads(plan)[0]
        node = top["Plan"]
        while "Plans" in node and node.get("Node Type") != "Index Scan":
            node = node["Plans"][0]
        lateness.sort()
        return {
            "open": open_n, "firing": firing, "fired": len(lateness), "insert_s": insert_s,
            "p50_ms": 1000 * statistics.median(lateness) if lateness else None,
            "p99_ms": 1000 * lateness[int(0.99 * (len(lateness) - 1))] if lateness else None,
            "max_ms": 1000 * lateness[-1] if lateness else None,
            "poll_ms": 1000 * (sum1 - sum0) / max(1, count1 - count0), "polls": count1 - count0,
            "idle_poll_ms": top["Execution Time"], "idle_poll_buffers": top["Plan"].get(
                "Shared Hit Blocks", 0) + top["Plan"].get("Shared Read Blocks", 0),
            "scan": f"{node.get('Node Type')} {node.get('Index Name', '')}".strip(),
            "rss_ready_mb": rss_ready / 1024, "rss_max_mb": max(rss_samples) / 1024,
            "rss_end_mb": rss_samples[-1] / 1024,
        }
    finally:
        if dep:
            dep.stop_all()
        await pg.close()
        await drop_database(infra, db)


def report(rows: list[dict]) -> str:
    head = ("| open deadlines | red cards fired | p50 lateness | p99 lateness | max | mean poll "
            "(service) | idle claim query | claim plan | RSS ready → max → end |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
    lines = [f"| {r['open']:,} | {r['fired']}/{r['firing']} | {r['p50_ms']:.0f} ms | "
             f"{r['p99_ms']:.0f} ms | {r['max_ms']:.0f} ms | {r['poll_ms']:.2f} ms "
             f"({r['polls']} polls) | {r['idle_poll_ms']:.3f} ms, {r['idle_poll_buffers']} buffers "
             f"| {r['scan']} | {r['rss_ready_mb']:.0f} → {r['rss_max_mb']:.0f} → "
             f"{r['rss_end_mb']:.0f} MB |" for r in rows]
    return head + "\n".join(lines)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--firing", type=int, default=2000)
    ap.add_argument("--results", default=str(Path(__file__).with_name("RESULTS.md")))
    args = ap.parse_args()
    infra, _, why = locate()
    if infra is None:
        sys.exit(why)
    rows = []
    with tempfile.TemporaryDirectory() as logs:
        for n in args.sizes:
            r = await scenario(infra, n, args.firing, Path(logs))
            print(f"open={n:,}: bulk insert {r['insert_s']:.1f} s; " + json.dumps(
                {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}), flush=True)
            rows.append(r)
    table = report(rows)
    print(table)
    section = (f"## Deadlines\n\n`uv run python bench/deadlines_firing.py` "
               f"(sizes {', '.join(f'{n:,}' for n in args.sizes)}; {args.firing} deadlines falling "
               f"due over {SPREAD_S:.0f} s; poll interval 0.25 s, batch 500; 2-core machine, "
               f"{datetime.now(timezone.utc):%Y-%m-%d}). Lateness = Kafka timestamp of the red "
               "card − due instant (the service process, its outbox relay and the broker "
               "included).\n\n" + table + "\n")
    path = Path(args.results)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    text = re.sub(r"\n## Deadlines\n.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip() + "\n\n"
    path.write_text(text + section, encoding="utf-8")
    print(f"appended to {path}")


if __name__ == "__main__":
    asyncio.run(main())
