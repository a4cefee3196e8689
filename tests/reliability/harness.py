"""One namespaced deployment of the four services on the private infra, with a scaled clock,
and the end-of-run settling: restart on a slow clock, wait until every lag and backlog is zero."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg

from shared.clock import ScaledClock
from tests.reliability.observe import CONSUMERS, OUTPUTS, SERVICES, drained
from tests.support.infra import Infra
from tests.support.kafka import create_topics
from tests.support.processes import Deployment
from tests.support.waiting import wait_for


def service_env(outbox: Path, epoch: datetime, speed: float, anchor: float) -> dict[str, str]:
    return {
        "XN_CLOCK_EPOCH": epoch.isoformat(), "XN_CLOCK_SPEED": repr(speed),
        "XN_CLOCK_ANCHOR": repr(anchor), "XN_LOG_LEVEL": "INFO",
        "XN_POLL_INTERVAL_S": "0.25",  # deadlines' timer poll
        "XN_OUTBOX_DIR": str(outbox), "XN_SENDER_POLL_S": "0.25",
        "XN_QUIET_HOURS_START": "00:00", "XN_QUIET_HOURS_END": "00:00",  # no held SMS
        # Leases are clock time: 20 real seconds whatever the speed, so a killed sender's
        # claims are taken over soon, and a live one never loses a claim mid-send.
        "XN_SENDER_LEASE_S": repr(20 * speed), "XN_SEND_BACKOFF_S": repr(2 * speed),
        "XN_SEND_BACKOFF_MAX_S": repr(10 * speed),
    }


async def start_deployment(infra: Infra, dsn: str, prefix: str, log_dir: Path,
                           env: dict[str, str]) -> Deployment:
    await create_topics(infra.kafka_bootstrap, *(prefix + t for t in (*CONSUMERS, *OUTPUTS)),
                        partitions=4)
    dep = Deployment(infra, dsn, prefix, log_dir, extra_env=env)
    for s in SERVICES:
        dep.start(s)
    for s in SERVICES:
        await dep.procs[s].wait_ready(timeout=180)
    return dep


async def restart_on_slow_clock(dep: Deployment, fast: ScaledClock, dsn: str,
                                outbox: Path) -> ScaledClock:
    """Stop everything cleanly, then run on at real speed from past the campaign and past any
    notice lease taken on the fast clock, so the system can settle and nothing keeps firing."""
    for s in SERVICES:
        dep.procs[s].terminate()
    conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        lease = await conn.fetchval("SELECT max(lease_until) FROM notify.notices "
                                    "WHERE status = 'pending'")
    finally:
        await conn.close()
    epoch = max(fast.now(), lease or fast.now()) + timedelta(minutes=1)
    anchor = time.time()
    env = service_env(outbox, epoch, 1.0, anchor)
    dep.extra_env.update(env)
    for s in SERVICES:
        dep.procs[s].env.update(env)
        dep.procs[s].start()
    for s in SERVICES:
        await dep.procs[s].wait_ready(timeout=180)
    return ScaledClock(epoch, 1.0, anchor)


async def settle(dep: Deployment, prefix: str, dsn: str, timeout: float) -> dict:
    """Wait until every consumer group has no lag, every outbox is published and no notice is
    pending, twice in a row a few seconds apart."""
    bootstrap = dep.infra.kafka_bootstrap
    state = {"streak": 0, "last": None}

    async def quiet() -> dict | None:
        got = await drained(bootstrap, prefix, dsn)
        state["streak"] = state["streak"] + 1 if got else 0
        state["last"] = got
        return got if state["streak"] >= 2 else None

    return await wait_for(quiet, timeout=timeout, interval=3.0, what="the pipeline to drain")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


async def stop_all(dep: Deployment) -> None:
    await asyncio.gather(*(asyncio.to_thread(p.terminate) for p in dep.procs.values()))
