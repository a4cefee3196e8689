"""A clean stop loses nothing and redelivers nothing: each service gets SIGTERM in the middle of
a stream of facts and is started again; every process must then report zero duplicates skipped
by its inbox (xn_events_in_total{outcome="duplicate"}), and the input must be all there."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta

import httpx
import pytest

from shared.clock import ScaledClock
from tests.reliability.analysis_flow import RunData, check_deadlines, check_intake
from tests.reliability.campaign import ChaosSender, Form, build_campaign
from tests.reliability.harness import (restart_on_slow_clock, service_env, settle,
                                       start_deployment, stop_all)
from tests.reliability.observe import SERVICES, Recorder
from tests.reliability.report import Tally
from tests.reliability.test_chaos_campaign import drop_quietly
from tests.support.processes import Deployment, create_database, new_namespace

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.e2e]
FORM = Form("sigterm", units=8, days=5, matters_per_day=100, complaints_per_day=10, speed=7200,
            kills_every_s=(0, 0))
DUPLICATE = re.compile(r'^xn_events_in_total\{[^}]*outcome="duplicate"[^}]*\}\s+([0-9.e+]+)', re.M)


async def duplicates_skipped(dep: Deployment) -> dict[str, float]:
    """Inbox duplicates each live process has skipped since it started."""
    out = {}
    async with httpx.AsyncClient(timeout=10) as c:
        for name, proc in dep.procs.items():
            text = (await c.get(f"{proc.url}/metrics")).text
            out[name] = sum(float(v) for v in DUPLICATE.findall(text))
    return out


@pytest.mark.timeout(900)
async def test_sigterm_mid_stream_loses_nothing_and_redelivers_nothing(private_infra, tmp_path):
    infra = private_infra.infra
    scenario = build_campaign(FORM, seed=11)
    db, prefix = new_namespace()
    dsn = await create_database(infra, db)
    outbox, lead_s = tmp_path / "outbox", 30.0
    epoch, anchor = scenario.start - timedelta(seconds=lead_s * FORM.speed), time.time()
    clock = ScaledClock(epoch, FORM.speed, anchor)
    recorder = await Recorder(infra.kafka_bootstrap, prefix).start()
    dep = None
    try:
        dep = await start_deployment(infra, dsn, prefix, tmp_path / "logs",
                                     service_env(outbox, epoch, FORM.speed, anchor))
        sender = ChaosSender(prefix=prefix, intake_url=dep.procs["intake"].url,
                             kafka_bootstrap=infra.kafka_bootstrap, database_dsn=dsn)
        await sender.start()
        rest = await sender.load_roster(scenario.facts)
        feed = asyncio.create_task(sender.follow(rest, clock))
        stops: dict[str, tuple[int | None, float, float]] = {}
        await asyncio.sleep(5)
        for name in SERVICES:  # one at a time, while facts keep arriving
            before = await duplicates_skipped(dep)
            assert before[name] == 0, before
            t0 = time.monotonic()
            rc = await asyncio.to_thread(dep.procs[name].terminate)
            stopped = time.monotonic() - t0
            dep.procs[name].start()
            await dep.procs[name].wait_ready(timeout=180)
            stops[name] = (rc, round(stopped, 1), round(time.monotonic() - t0, 1))
            await asyncio.sleep(4)
        await feed
        await sender.stop()
        assert await duplicates_skipped(dep) == {s: 0 for s in SERVICES}
        await restart_on_slow_clock(dep, clock, dsn, outbox)
        await settle(dep, prefix, dsn, timeout=400)
        after = await duplicates_skipped(dep)
        await stop_all(dep)
        await asyncio.sleep(2)

        data = RunData(scenario, sender.sent, sender.via, sender.http_status, recorder.records,
                       [], dsn.replace("postgresql+asyncpg://", "postgresql://"))
        tally = Tally()
        check_intake(data, tally)
        check_deadlines(data, tally)
        print({"stops (rc, stop s, stop→ready s)": stops, "duplicates after final restart": after,
               "lost": tally.total("lost"), "facts": len(sender.sent)})
        assert all(rc == 0 for rc, _, _ in stops.values()), stops
        assert after == {s: 0 for s in SERVICES}
        assert tally.total("lost") == 0 and tally.total("duplicated") == 0, tally.dumps()
    finally:
        if dep is not None:
            await stop_all(dep)
        await recorder.stop()
        await drop_quietly(infra, db)
