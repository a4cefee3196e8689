"""The whole system under fire: a generated campaign through intake's doors while services are
SIGKILLed at random, the broker and the database each go away once, and poison arrives on every
input topic; then every event is classified (lost, duplicated, unexpected, out of order).

Short form by default (~2,000 events, a few minutes); XN_RELIABILITY=long for >= 10,000.
The report is printed and written to $XN_RELIABILITY_REPORT (default: the test's tmp dir)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest

from shared.clock import ScaledClock
from tests.reliability.analysis_downstream import (check_accountability, check_dead_letters,
                                                   check_notify, check_timers)
from tests.reliability.analysis_flow import (RunData, check_deadlines, check_emitted_once,
                                             check_intake, check_intake_answers, check_intake_state, check_refusals,
                                             envelopes)
from tests.reliability.campaign import ChaosSender, build_campaign, current_form
from tests.reliability.chaos import Chaos
from tests.reliability.harness import (restart_on_slow_clock, service_env, settle,
                                       start_deployment, stop_all)
from tests.reliability.observe import Recorder
from tests.reliability.poison import inject, poison_set
from tests.reliability.report import CLASSES, Tally
from tests.support.processes import create_database, drop_database, new_namespace

pytestmark = [pytest.mark.reliability, pytest.mark.integration, pytest.mark.e2e]
FORM = current_form()
RECOVERY_LIMIT_S = 30.0


@pytest.mark.timeout(3600 if FORM.name == "long" else 900)
async def test_campaign_under_chaos_loses_and_doubles_nothing(private_infra, tmp_path):
    infra = private_infra.infra
    scenario = build_campaign(FORM)
    db, prefix = new_namespace()
    dsn = await create_database(infra, db)
    outbox = tmp_path / "outbox"
    lead_s = 40.0  # real seconds before the campaign's first instant: start-up and roster
    anchor = time.time()
    clock = ScaledClock(scenario.start - timedelta(seconds=lead_s * FORM.speed), FORM.speed, anchor)
    env = service_env(outbox, scenario.start - timedelta(seconds=lead_s * FORM.speed), FORM.speed,
                      anchor)
    recorder = await Recorder(infra.kafka_bootstrap, prefix).start()
    dep = sender = None
    try:
        dep = await start_deployment(infra, dsn, prefix, tmp_path / "logs", env)
        sender = ChaosSender(prefix=prefix, intake_url=dep.procs["intake"].url,
                             kafka_bootstrap=infra.kafka_bootstrap, database_dsn=dsn)
        await sender.start()
        poisons = poison_set("a")
        await inject(infra.kafka_bootstrap, prefix, poisons)
        rest = await sender.load_roster(scenario.facts)
        feed_s = (scenario.end - clock.now()).total_seconds() / FORM.speed
        chaos = Chaos(dep, private_infra, sender, recorder, scenario, clock, FORM)
        feed_done = asyncio.Event()

        async def feed() -> None:
            try:
                await sender.follow(rest, clock)
            finally:
                feed_done.set()

        async def more_poison() -> None:
            await asyncio.sleep(feed_s * 0.45)
            more = poison_set("b")
            await inject(infra.kafka_bootstrap, prefix, more)
            poisons.extend(more)

        started = time.monotonic()
        async with asyncio.TaskGroup() as tg:  # one failing cancels the others
            tg.create_task(feed())
            chaos_task = tg.create_task(chaos.run(feed_done, feed_s))
            tg.create_task(more_poison())
        chaos_log = chaos_task.result()
        fed_s = time.monotonic() - started
        await sender.stop()
        sender = None
        slow = await restart_on_slow_clock(dep, clock, dsn, outbox)
        drained_state = await settle(dep, prefix, dsn, timeout=1800 if FORM.name == "long" else 400)
        await stop_all(dep)
        await recorder.caught_up(infra.kafka_bootstrap)  # the last records the relays published

        data = RunData(scenario, chaos.sender.sent, chaos.sender.via, chaos.sender.http_status,
                       chaos.sender.http_refusals, recorder.records, poisons,
                       dsn.replace("postgresql+asyncpg://", "postgresql://"))
        tally = Tally()
        check_refusals(data, tally)
        check_emitted_once(data, tally)
        canonical = check_intake(data, tally)
        await check_intake_answers(data, tally, canonical)
        await check_intake_state(data, tally)
        deadline_events = check_deadlines(data, tally)
        await check_timers(data, tally, deadline_events, slow.now())
        await check_accountability(data, tally, deadline_events)
        sources = [e for t in ("xn.complaints", "xn.deadlines", "xn.accountability")
                   for _, e in envelopes(data, t, tally)]
        await check_notify(data, tally, outbox, sources)
        check_dead_letters(data, tally)
        tally.notes.update({
            "form": FORM.name, "facts_sent": len(data.sent), "canonical_events": len(canonical),
            "poison_messages": len(poisons), "feed_seconds": round(fed_s, 1),
            "kills": chaos_log.kills, "unplanned_exits": chaos_log.unplanned_exits,
            "restart_to_ready_s": _spread(chaos_log.restart_ready_s),
            "outage_s": _round(chaos_log.outage_s),
            "recovery_s (every service publishing again)": _round(chaos_log.recovery_s),
            "resumed_s": chaos_log.resumed, "canary_through_s": chaos_log.canary_s,
            "canary_paths_s": chaos_log.recovery_paths,
            "records_per_topic": {t: len(r) for t, r in recorder.records.items()},
            "drained": drained_state})
        text = tally.dumps()
        print(text)
        Path(os.environ.get("XN_RELIABILITY_REPORT", tmp_path / "report.json")).write_text(text)

        assert {c: tally.total(c) for c in CLASSES} == {c: 0 for c in CLASSES}, text
        assert set(chaos_log.recovery_s) == {"kafka", "postgresql"}
        assert set(chaos_log.canary_s) == {"kafka", "postgresql"}  # every path works again
        assert all(s <= RECOVERY_LIMIT_S for s in chaos_log.recovery_s.values()), text
        assert not chaos_log.unplanned_exits, text
        assert all(n > 0 for n in chaos_log.kills.values()), chaos_log.kills
    finally:  # the processes go first, whatever else fails here
        if dep is not None:
            await stop_all(dep)
        if sender is not None:
            with contextlib.suppress(Exception):
                await sender.stop()
        await recorder.stop()
        await drop_quietly(infra, db)


async def drop_quietly(infra, db: str) -> None:
    """An autovacuum worker on the fresh tables can hold the database a moment (FORCE cannot
    end a superuser's process): retry, and leave it to the next cluster wipe if it persists."""
    for _ in range(10):
        try:
            return await drop_database(infra, db)
        except Exception:
            await asyncio.sleep(1)


def _round(d: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 1) for k, v in d.items()}


def _spread(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"n": len(xs), "median": round(xs[len(xs) // 2], 1) if xs else 0,
            "max": round(xs[-1], 1) if xs else 0}
