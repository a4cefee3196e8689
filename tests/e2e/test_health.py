"""Health reflects the real world: every service's /readyz goes 503 when the broker or the
database stops and 200 again when it returns, without a restart; /livez stays 200 throughout
(a dependency outage is not a stuck process)."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest

from tests.support.private_infra import PrivateInfra
from tests.support.kafka import delete_topics
from tests.support.processes import Deployment, create_database, drop_database, new_namespace
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SERVICES = ("intake", "deadlines", "accountability", "notify")


@pytest.fixture
async def private(infra):  # `infra` first: under CI=true a missing toolchain fails loudly
    pi = PrivateInfra("health", kafka_port=29092, pg_port=25432)
    yield pi, await asyncio.to_thread(pi.up)
    await asyncio.to_thread(pi.down)


async def statuses(dep: Deployment, path: str) -> dict[str, int]:
    out = {}
    async with httpx.AsyncClient(timeout=6) as c:
        for name, proc in dep.procs.items():
            try:
                out[name] = (await c.get(proc.url + path)).status_code
            except httpx.HTTPError:
                out[name] = 0
    return out


async def all_are(dep: Deployment, path: str, code: int) -> bool:
    return set((await statuses(dep, path)).values()) == {code}


async def test_readiness_follows_broker_and_database_outages(private, tmp_path):
    pi, infra = private
    db, prefix = new_namespace()
    dsn = await create_database(infra, db)
    dep = Deployment(infra, dsn, prefix, tmp_path, extra_env={"XN_OUTBOX_DIR": str(tmp_path / "out")})
    try:
        for s in SERVICES:
            dep.start(s)
        for proc in dep.procs.values():
            await proc.wait_ready(timeout=120)
        assert await all_are(dep, "/livez", 200)

        await asyncio.to_thread(pi.kafka_down)
        await wait_for(lambda: all_are(dep, "/readyz", 503), timeout=60, what="503 without Kafka")
        async with httpx.AsyncClient(timeout=6) as c:
            detail = (await c.get(dep.procs["deadlines"].url + "/readyz")).json()
        assert detail["checks"]["kafka"].startswith("failing")
        assert detail["checks"]["postgresql"] == "ok"
        await asyncio.to_thread(pi.kafka_up)
        await wait_for(lambda: all_are(dep, "/readyz", 200), timeout=120, what="ready with Kafka back")

        await asyncio.to_thread(pi.pg_down)
        await wait_for(lambda: all_are(dep, "/readyz", 503), timeout=60, what="503 without PostgreSQL")
        async with httpx.AsyncClient(timeout=6) as c:
            detail = (await c.get(dep.procs["notify"].url + "/readyz")).json()
        assert detail["checks"]["postgresql"].startswith("failing")
        await asyncio.to_thread(pi.pg_up)
        await wait_for(lambda: all_are(dep, "/readyz", 200), timeout=120, what="ready with PostgreSQL back")
        assert await all_are(dep, "/livez", 200)
        assert all(p.popen.poll() is None for p in dep.procs.values()), "no service died"
    finally:
        dep.stop_all()
        await drop_database(infra, db)
        await delete_topics(infra.kafka_bootstrap, prefix=prefix)


@pytest.mark.skipif(os.environ.get("XN_SKIP_SLOW") == "1", reason="opt-out for quick local runs")
async def test_metrics_are_served(private, tmp_path):
    pi, infra = private
    db, prefix = new_namespace()
    dsn = await create_database(infra, db)
    dep = Deployment(infra, dsn, prefix, tmp_path)
    try:
        proc = dep.start("deadlines")
        await proc.wait_ready(timeout=120)
        async def metrics() -> str:
            async with httpx.AsyncClient(timeout=6) as c:
                body = (await c.get(proc.url + "/metrics")).text
            return body if 'xn_deadlines_open{card="red"} 0.0' in body else ""

        body = await wait_for(metrics, timeout=60, what="the open-deadline gauge")
        assert "xn_outbox_published_total" in body and "xn_deadlines_poll_seconds" in body
    finally:
        dep.stop_all()
        await drop_database(infra, db)
        await delete_topics(infra.kafka_bootstrap, prefix=prefix)
