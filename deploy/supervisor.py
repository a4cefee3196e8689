"""Runs every service as its own process, prefixes nothing (each log line already names its
service), restarts none (a crash is visible), and stops them all with SIGTERM on Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("intake", "deadlines", "accountability", "notify")


def fresh_demo_namespace(database_url: str, bootstrap: str) -> dict[str, str]:
    import asyncpg
    from aiokafka.admin import AIOKafkaAdminClient

    prefix = f"demo{int(time.time())}."
    demo_url = database_url.rsplit("/", 1)[0] + "/xiaoneng_demo"

    async def reset() -> None:
        conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        try:
            await conn.execute('DROP DATABASE IF EXISTS "xiaoneng_demo" WITH (FORCE)')
            await conn.execute('CREATE DATABASE "xiaoneng_demo"')
        finally:
            await conn.close()
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:  # earlier demos' topics
            old = [t for t in await admin.list_topics() if t.startswith("demo")]
            if old:
                await admin.delete_topics(old)
        finally:
            await admin.close()

    asyncio.run(reset())
    print(f"[supervisor] demo: fresh database xiaoneng_demo, topics {prefix}*", file=sys.stderr)
    return {"XN_DATABASE_URL": demo_url, "XN_TOPIC_PREFIX": prefix}


DEMO_EPOCH = "2026-05-06T06:00:00+08:00"


def demo_clock_env(epoch: str, speed: float, anchor: float) -> dict[str, str]:
    """The settings of a compressed run: one virtual clock for every process, and what is
    measured in clock time scaled with it. A notice's lease is clock time: 120 virtual seconds
    would be ~14 ms at a day per 10 s, shorter than a send, and the sender would claim notices
    still on their way again; 20 s of real time instead."""
    return {"XN_CLOCK_EPOCH": epoch, "XN_CLOCK_SPEED": str(speed),
            "XN_CLOCK_ANCHOR": str(anchor), "XN_SENDER_LEASE_S": str(20 * speed)}


def available() -> list[str]:
    return [s for s in SERVICES if (ROOT / "services" / s / "__main__.py").exists()]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-demo", action="store_true", help="run the services only")
    ap.add_argument("--demo-speed", type=float, default=8640.0,
                    help="virtual seconds per real second (8640: a day every 10 s)")
    args = ap.parse_args()
    env = dict(os.environ)
    demo = not args.no_demo and (ROOT / "deploy" / "demo" / "__main__.py").exists()
    if demo:
        # Each demo starts a fresh county: its own database and topic namespace, so the seeded
        # campaign plays again from its first day (production runs keep theirs: --no-demo).
        env.update(fresh_demo_namespace(env["XN_DATABASE_URL"], env["XN_KAFKA_BOOTSTRAP"]))
        shutil.rmtree(ROOT / "var" / "outbox", ignore_errors=True)
        # One shared virtual clock for every process: the campaign runs at demo speed.
        for k, v in demo_clock_env(DEMO_EPOCH, args.demo_speed, time.time()).items():
            env.setdefault(k, v)
    # One process per service, each a static member of its consumer group under a name kept
    # across runs ({hostname} is expanded by the settings): started again after a stop, it
    # takes its partitions back at once.
    procs = {s: subprocess.Popen([sys.executable, "-m", f"services.{s}"], cwd=ROOT,
                                 env={"XN_KAFKA_INSTANCE_ID": f"{s}-{{hostname}}", **env})
             for s in available()}
    if demo:
        procs["demo"] = subprocess.Popen([sys.executable, "-m", "deploy.demo"], env=env, cwd=ROOT)
    print(f"[supervisor] started: {', '.join(procs)} (Ctrl-C stops)", file=sys.stderr)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping:
        for name, p in procs.items():
            if p.poll() is not None and name != "demo":
                print(f"[supervisor] {name} exited with {p.returncode}", file=sys.stderr)
                stopping = True
        time.sleep(0.5)
    for p in procs.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs.values():
        try:
            p.wait(timeout=40)
        except subprocess.TimeoutExpired:
            p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
