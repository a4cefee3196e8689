"""A clean stop loses nothing and redelivers nothing: each service gets SIGTERM in the middle of
a stream of facts (its input topics still growing, the feed still running) and is started
again. Every process must exit 0 and then report zero duplicates skipped by its inbox
(xn_events_in_total{outcome="duplicate"}); no topic may hold an event id twice (no outbox row
sent again); and the whole analysis of the chaos test must find nothing lost or doubled."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta

import httpx
import pytest

from shared.clock import ScaledClock
from tests.reliability.analysis_downstream import (check_accountability, check_notify,
                                                   check_timers)
from tests.reliability.analysis_flow import (RunData, check_deadlines, check_emitted_once,
                                             check_intake, check_intake_answers,
                                             check_intake_state, check_refusals, envelopes)
from tests.reliability.campaign import ChaosSender, Form, build_campaign
from tests.reliability.harness import (restart_on_slow_clock, service_env, settle,
                                       start_deployment, stop_all)
from tests.reliability.observe import CONSUMERS, SERVICES, Recorder
from tests.reliability.report import CLASSES, Tally
from tests.reliability.test_chaos_campaign import drop_quietly
from tests.support.processes import Deployment, create_database, new_namespace
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.e2e]
FORM = Form("sigterm", units=8, days=7, matters_per_day=100, complaints_per_day=10, speed=7200,
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


async def busy(recorder: Recorder, service: str) -> None:
    """The service's input topics are still growing: it is stopped mid-stream."""
    topics = [t for t, who in CONSUMERS.items() if service in who]
    before = sum(len(recorder.records[t]) for t in topics)

    async def grew() -> bool:
        return sum(len(recorder.records[t]) for t in topics) > before

    await wait_for(grew, timeout=30, what=f"new input for {service}")


async def analyse(data: RunData, now, outbox) -> Tally:
    """The chaos test's analysis, but for poison (none is sent here)."""
    tally = Tally()
    check_refusals(data, tally)
    check_emitted_once(data, tally)
    canonical = check_intake(data, tally)
    await check_intake_answers(data, tally, canonical)
    await check_intake_state(data, tally)
    deadline_events = check_deadlines(data, tally)
    await check_timers(data, tally, deadline_events, now)
    await check_accountability(data, tally, deadline_events)
    sources = [e for t in ("xn.complaints", "xn.deadlines", "xn.accountability")
               for _, e in envelopes(data, t, tally)]
    await check_notify(data, tally, outbox, sources)
    return tally


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
        for name in SERVICES:  # one at a time, while facts keep arriving
            before = await duplicates_skipped(dep)
            assert before[name] == 0, before
            await busy(recorder, name)
            assert not feed.done(), f"the feed ended before {name} was stopped"
            t0 = time.monotonic()
            rc = await asyncio.to_thread(dep.procs[name].terminate)
            stopped = time.monotonic() - t0
            dep.procs[name].start()
            await dep.procs[name].wait_ready(timeout=180)
            stops[name] = (rc, round(stopped, 1), round(time.monotonic() - t0, 1))
        await feed
        await sender.stop()
        assert await duplicates_skipped(dep) == {s: 0 for s in SERVICES}
        slow = await restart_on_slow_clock(dep, clock, dsn, outbox)
        await settle(dep, prefix, dsn, timeout=400)
        after = await duplicates_skipped(dep)
        await stop_all(dep)
        await recorder.caught_up(infra.kafka_bootstrap)

        data = RunData(scenario, sender.sent, sender.via, sender.http_status,
                       sender.http_refusals, recorder.records, [],
                       dsn.replace("postgresql+asyncpg://", "postgresql://"))
        tally = await analyse(data, slow.now(), outbox)
        print(tally.dumps())
        print({"stops (rc, stop s, stop→ready s)": stops, "duplicates after final restart": after,
               "facts": len(sender.sent)})
        assert all(rc == 0 for rc, _, _ in stops.values()), stops
        assert after == {s: 0 for s in SERVICES}
        assert {c: tally.total(c) for c in CLASSES} == {c: 0 for c in CLASSES}, tally.dumps()
        assert not any(tally.redelivered.values()), tally.redelivered  # nothing sent twice
    finally:
        if dep is not None:
            await stop_all(dep)
        await recorder.stop()
        await drop_quietly(infra, db)
