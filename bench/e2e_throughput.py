"""End to end through all four services as processes: throughput, latency, baseline ratio.

    uv run python bench/e2e_throughput.py [--units 30] [--open-deadlines 5000]
        [--events 3000] [--rate 200] [--seconds 15] [--no-baseline]

A fresh database and topic namespace on the shared broker/database (.infra/env). The roster
(`--units` units of 8 people) goes through intake's roster door; `--open-deadlines` open matter
deadlines are then added to deadlines' table (cloned from one real row: the table and its
poller's index hold that many, as after weeks of use). The work is complaint.filed on the
complaints Kafka door: intake validates and routes it → xn.complaints → deadlines (acceptance
clock), accountability, notify (acknowledgement SMS, a file in the local outbox).
  latency: `--rate` events/s for `--seconds`; per event, notice file mtime − publish time;
  throughput: `--events` published at once; events / (last notice sent − first publish);
  baseline: bench/baseline_bare_loop.py on the same broker/database, same N, same run (its
  three-stage form; the two-stage form used up to build 1fbb40a, for continuity; and the
  guarded form, the same three stages with an inbox, an outbox and send-then-record);
  disk_probe: CPU and wall time per notice file written through the outbox's own path
  (bench/disk_probe.py), just after the throughput phase and after the baselines.
Every file the run writes (~17,000 small files with the baselines) is kept until the end and
then left in place (listed as files_kept), unless `--remove-files`: deleting thousands of files
makes creating files dearer for a while on this volume, so the run deletes nothing between its
phases, and runs one after the other are best not separated by a mass deletion either."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.baseline_bare_loop import run_baseline  # noqa: E402
from bench.disk_probe import probe  # noqa: E402
from bench.e2e_support import (Bench, clone_open_deadlines, county_facts, cpu_snapshot,  # noqa: E402
                               door_message, intake_ids)
from tests.support.infra import locate  # noqa: E402


def complaint(i: int, tag: str, unit) -> tuple[str, dict]:
    ext = f"{tag}-{i}"
    handler = unit.by_role("handler")[i % 3]
    return ext, {"complaint_id": ext, "channel": "hotline_12345",
                 "filed_at": datetime.now(timezone.utc).isoformat(),
                 "complainant": {"name": "群众", "phone": f"1390{i % 10_000_000:07d}"},
                 "target_unit_id": unit.unit_id, "target_person_id": handler.person_id,
                 "category": "four_difficulties", "description": "办事多次往返，工作人员推诿。"}


def missing(files: dict[str, float], sent, timeout: float) -> None:
    """A run in which some notice never came gives no figure: it says what went wrong."""
    lost = [ext for ext in sent if ext not in files]
    if lost:
        raise RuntimeError(f"{len(lost)} of {len(sent)} complaints had no SMS after {timeout} s "
                           f"(e.g. {lost[:3]}): no figure from this run")


async def latency(b: Bench, rate: float, seconds: float) -> dict:
    n = int(rate * seconds)
    sent_at: dict[str, float] = {}
    before = b.sms_files()
    t0 = time.time()
    for i in range(n):
        delay = t0 + i / rate - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        ext, data = complaint(i, "lat", b.units[i % len(b.units)])
        sent_at[ext] = time.time()
        await b.producer.send(b.topic("xn.in.complaints"), door_message("complaint.filed", ext, data),
                              key=ext.encode())
    await b.producer.flush()
    files = await b.wait_notices(set(sent_at), timeout=120, files_before=before)
    missing(files, sent_at, 120)  # a quantile of the arrivals alone would flatter the tail
    lat = sorted(files[ext] - sent_at[ext] for ext in sent_at if ext in files)
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000)  # noqa: E731
    return {"events": n, "with_notice": len(lat), "p50_ms": pick(0.5), "p99_ms": pick(0.99),
            "max_ms": round(lat[-1] * 1000) if lat else None}


async def throughput(b: Bench, n: int) -> dict:
    exts = []
    before = b.sms_files()
    db0 = await db_counters(b)
    batches0 = await b.batch_records()
    cpu0 = cpu_snapshot(b.pids())
    t0 = time.time()
    for i in range(n):
        ext, data = complaint(i, "tp", b.units[i % len(b.units)])
        exts.append(ext)
        await b.producer.send(b.topic("xn.in.complaints"), door_message("complaint.filed", ext, data),
                              key=ext.encode())
    await b.producer.flush()
    published = time.time() - t0
    files = await b.wait_notices(set(exts), timeout=170, files_before=before)
    missing(files, exts, 170)  # else the rate would be of the ones that arrived, by the last one
    times = sorted(t - t0 for t in files.values())
    last = times[-1]
    cpu1 = cpu_snapshot(b.pids())
    batches1 = await b.batch_records()
    await asyncio.sleep(1.0)  # backends report their statistics within a second
    db1 = await db_counters(b)
    stages = await b.stage_done_times(exts, t0)
    return {"events": n, "publish_s": round(published, 2), "elapsed_s": round(last, 1),
            "events_per_s": round(n / last), **stages,
            # When a quarter, half, three quarters of the SMS files were there: how the sender
            # kept pace with the consumers, and how long it ran on alone after them.
            "sms_quartiles_s": [round(times[int(q * (len(times) - 1))], 2) for q in (.25, .5, .75)],
            "cpu_ms_per_event": {k: round((cpu1[k] - cpu0.get(k, 0.0)) * 1000 / n, 3) for k in cpu1},
            "db_per_event": {k: round((db1[k] - db0[k]) / n, 2) for k in db1},
            # Records per consumer batch: per-batch costs are shared by this many.
            "mean_batch_records": {k: round((r - batches0[k][0]) / max(1.0, c - batches0[k][1]), 1)
                                   for k, (r, c) in batches1.items()}}


async def db_counters(b: Bench) -> dict[str, int]:
    """The bench database's transactions and row operations so far (all services)."""
    [row] = await b.sql("SELECT xact_commit AS commits, tup_inserted AS inserted, "
                        "tup_updated AS updated, tup_deleted AS deleted, tup_fetched AS fetched "
                        "FROM pg_stat_database WHERE datname = current_database()")
    return dict(row)


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--units", type=int, default=30)
    p.add_argument("--open-deadlines", type=int, default=5000)
    p.add_argument("--events", type=int, default=3000)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--no-db-tls", action="store_true",
                   help="services connect to PostgreSQL with ssl=disable (loopback)")
    p.add_argument("--json", help="write the figures here too")
    p.add_argument("--remove-files", action="store_true",
                   help="delete the notice files when the run is over (default: keep them; "
                        "a run just after thousands of deletions writes its files slower)")
    args = p.parse_args()
    infra, _, why = locate()
    if infra is None:
        sys.exit(why)
    b = await Bench.start(infra, db_tls=not args.no_db_tls)
    # No file is deleted until the run is over: on this volume, creating files just after
    # thousands were deleted costs several times the CPU (the bare loop used 0.9–1.1 ms per
    # event right after the services' 8,000 files were removed, 0.2–0.6 otherwise), which
    # would slow the baseline and flatter the ratio.
    leftovers = [b.outbox]
    try:
        try:
            b.units = await b.load_roster(county_facts(args.units))
            await clone_open_deadlines(b, args.open_deadlines)
            server_ssl = (await b.sql("SHOW ssl"))[0][0] == "on"
            out = {"units": args.units, "db_tls": server_ssl and not args.no_db_tls, "open_deadlines": args.open_deadlines,
                   "latency": await latency(b, args.rate, args.seconds),
                   "throughput": await throughput(b, args.events)}
            # What a notice file costs on this disk now: it moves the run's figures (notify
            # writes one per SMS, the bare loop one per event) and varies several-fold within
            # minutes. Taken after the phase it explains, beside its files, so it does not
            # disturb it.
            out["disk_probe"] = {"services": probe(b.outbox, remove=False)}  # kept with it
            b.pids()  # for bench/profile_e2e.py
        finally:
            await b.stop(remove_files=False)
        if not args.no_baseline:
            rate = out["throughput"]["events_per_s"]
            base_cpu: dict[str, float] = {}
            base = await run_baseline(infra.kafka_bootstrap, infra.database_url, args.events,
                                      cpu=base_cpu, leftovers=leftovers)
            out["baseline_events_per_s"] = round(base)
            out["baseline_cpu_ms_per_event"] = base_cpu
            out["ratio_to_baseline"] = round(rate / base, 3)
            old = await run_baseline(infra.kafka_bootstrap, infra.database_url, args.events,
                                     two_stage=True, leftovers=leftovers)
            out["two_stage_baseline_events_per_s"] = round(old)
            out["ratio_to_two_stage_baseline"] = round(rate / old, 3)
            guarded_cpu: dict[str, float] = {}
            guarded = await run_baseline(infra.kafka_bootstrap, infra.database_url, args.events,
                                         cpu=guarded_cpu, guarded=True, leftovers=leftovers)
            out["guarded_baseline_events_per_s"] = round(guarded)
            out["guarded_baseline_cpu_ms_per_event"] = guarded_cpu
            out["ratio_to_guarded_baseline"] = round(rate / guarded, 3)
            probe_folder = Path(tempfile.mkdtemp(prefix="xn-bench-probe-"))
            leftovers.append(probe_folder)
            out["disk_probe"]["after the baselines"] = probe(probe_folder, remove=False)
    finally:
        if args.remove_files:
            for folder in leftovers:
                shutil.rmtree(folder, ignore_errors=True)
    if not args.remove_files:  # generated numbers, no one's personal data
        out["files_kept"] = [str(f) for f in leftovers]
    print(json.dumps(out, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
