"""The deadlines service as a separate process (python -m services.deadlines), killed with
SIGKILL while red cards are pending, then restarted: every card fires exactly once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from services.deadlines.domain import LOCAL_TZ
from shared.clock import ScaledClock
from shared.envelope import Envelope
from tests.e2e.deadlines.support import accepted, namespace
from tests.support.kafka import TopicReader, publish
from tests.support.processes import Deployment, drop_database
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
N = 20
SPEED = 5.0  # virtual seconds per real second
EPOCH = datetime(2026, 10, 12, 23, 58, 0, tzinfo=LOCAL_TZ)  # due in 120 virtual s = 24 real s
DUE = datetime(2026, 10, 12, 23, 59, 59, 999000, tzinfo=LOCAL_TZ)


async def test_sigkill_with_due_deadlines_pending_then_restart_fires_each_once(infra, tmp_path):
    db, prefix, dsn = await namespace(infra)
    anchor = time.time()
    clock = ScaledClock(EPOCH, SPEED, anchor)  # the same virtual time the process sees
    dep = Deployment(infra, dsn, prefix, tmp_path, extra_env={
        "XN_CLOCK_EPOCH": EPOCH.isoformat(), "XN_CLOCK_SPEED": str(SPEED),
        "XN_CLOCK_ANCHOR": str(anchor), "XN_POLL_INTERVAL_S": "0.1", "XN_LOG_LEVEL": "INFO"})
    out = await TopicReader(infra.kafka_bootstrap, prefix + "xn.deadlines").start()
    try:
        svc = dep.start("deadlines")
        await svc.wait_ready()
        # Accepted Fri 10-09, 2 working days (make-up Sat 10-10, Mon 10-12): due 10-12 at the
        # end of the day, the yellow cards (50 %/1wd at 00:00, 75 % at 12:00) already passed.
        await publish(infra.kafka_bootstrap, prefix + "xn.matters",
                      *(accepted(f"K-{i}", datetime(2026, 10, 9, 9, tzinfo=LOCAL_TZ), 2).to_bytes()
                        for i in range(N)))

        async def count(event_type: str) -> int:
            await out.poll()
            # distinct event ids: a relay killed between send and stamp resends the same id
            # (consumers drop it); a second red card would be a second id
            return len({e.event_id for e in map(Envelope.from_bytes, (r.value for r in out.records))
                        if e.event_type == event_type})

        await wait_for(lambda: _at_least(count("deadline.warned"), 2 * N), timeout=60,
                       what="yellow cards before the crash")
        assert clock.now() < DUE, "the machine was too slow to kill before the due time"
        svc.kill()  # SIGKILL: the red cards are pending in the database only
        assert await count("deadline.missed") == 0

        await wait_for(lambda: _is(clock.now() > DUE + timedelta(seconds=10)), timeout=60,
                       what="the deadlines to be overdue while the service is down")
        svc.start()
        await svc.wait_ready()
        await wait_for(lambda: _at_least(count("deadline.missed"), N), timeout=60,
                       what="red cards after the restart")

        # Kill and restart once more, then a sentinel that is overdue at once: when its red card
        # is out, the restarted service has polled past every earlier deadline.
        svc.kill()
        svc.start()
        await svc.wait_ready()
        await publish(infra.kafka_bootstrap, prefix + "xn.matters",
                      accepted("SENTINEL", datetime(2026, 10, 8, 9, tzinfo=LOCAL_TZ), 1).to_bytes())
        await wait_for(lambda: _at_least(count("deadline.missed"), N + 1), timeout=60,
                       what="the sentinel's red card")
        envs = list({e.event_id: e for e in (Envelope.from_bytes(r.value)
                                             for r in out.records)}.values())
        missed = Counter(e.payload["deadline"]["deadline_id"] for e in envs
                         if e.event_type == "deadline.missed")
        warned = Counter((e.payload["deadline"]["deadline_id"], e.payload["warning"])
                         for e in envs if e.event_type == "deadline.warned")
        assert len(missed) == N + 1 and set(missed.values()) == {1}, missed
        assert len(warned) == 2 * N and set(warned.values()) == {1}, warned
    finally:
        await out.stop()
        dep.stop_all()
        await drop_database(infra, db)


async def _at_least(awaitable, n: int) -> bool:
    return (await awaitable) >= n


async def _is(value: bool) -> bool:
    return value
