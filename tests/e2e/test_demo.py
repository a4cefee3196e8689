"""The demo county in compressed form, end to end: the four services and the demo driver as
separate processes on the real broker and database, on one virtual clock. The seeded scenario
says which matters must get a red card; each must, and then a fault, a measure, and an SMS."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from deploy.demo.scenario import build
from deploy.supervisor import demo_clock_env
from shared.clock import SHANGHAI
from shared.envelope import Envelope
from tests.support.kafka import TopicReader, delete_topics
from tests.support.processes import Deployment, create_database, drop_database, new_namespace
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
SERVICES = ("intake", "deadlines", "accountability", "notify")
DEMO = {"XN_DEMO_SEED": "7", "XN_DEMO_UNITS": "6", "XN_DEMO_DAYS": "6",
        "XN_DEMO_MATTERS_PER_DAY": "25", "XN_DEMO_COMPLAINTS_PER_DAY": "3"}
EPOCH = datetime(2026, 5, 6, 6, 0, tzinfo=SHANGHAI)
SPEED = 8640  # a virtual day every 10 real seconds


def events(reader: TopicReader, type_: str) -> list[Envelope]:
    return [e for e in (Envelope.from_bytes(r.value) for r in reader.records)
            if e.event_type == type_]


async def test_compressed_demo_yields_red_cards_measures_and_notices(infra, tmp_path: Path):
    scenario = build(seed=7, units=6, days=6, matters_per_day=25, complaints_per_day=3)
    expected_red = scenario.expected.red_matters
    assert len(expected_red) >= 3, "the seed should make a few matters late"
    db, prefix = new_namespace()
    dsn = await create_database(infra, db)
    outbox = tmp_path / "outbox"
    # As deploy/run.sh sets it; virtual time starts once all are up.
    clock_env = demo_clock_env(EPOCH.isoformat(), SPEED, time.time() + 20)
    dep = Deployment(infra, dsn, prefix, tmp_path / "logs",
                     extra_env={**clock_env, "XN_OUTBOX_DIR": str(outbox)})
    readers = {t: await TopicReader(infra.kafka_bootstrap, prefix + t).start()
               for t in ("xn.deadlines", "xn.accountability")}
    try:
        for s in SERVICES:
            dep.start(s)
        for proc in dep.procs.values():
            await proc.wait_ready(timeout=120)
        dep.start("demo", module="deploy.demo",
                  XN_DEMO_INTAKE_URL=dep.procs["intake"].url, **DEMO)

        async def reds() -> set[str]:
            await readers["xn.deadlines"].poll()
            return {e.payload["deadline"]["subject_id"]
                    for e in events(readers["xn.deadlines"], "deadline.missed")
                    if e.payload["deadline"]["kind"] == "matter"}

        await wait_for(lambda: _superset(reds(), expected_red), timeout=300, interval=1,
                       what=f"red cards for {sorted(expected_red)}")
        assert not (await reds()) & scenario.expected.on_time_matters, "an on-time matter got a red card"

        red_ids = {str(e.event_id) for e in events(readers["xn.deadlines"], "deadline.missed")
                   if e.payload["deadline"]["subject_id"] in expected_red}

        async def measured() -> bool:
            await readers["xn.accountability"].poll()
            faults = {e.payload["fault_id"] for e in events(readers["xn.accountability"], "fault.recorded")
                      if set(e.payload["evidence"]) & red_ids}
            measured = {f for e in events(readers["xn.accountability"], "measure.decided")
                        for f in e.payload["fault_ids"]}
            return len(faults) >= len(expected_red) and faults <= measured

        await wait_for(measured, timeout=180, interval=1, what="a fault and a measure per red card")

        async def sms_for_every_red() -> bool:
            texts = [p.read_text() for p in outbox.glob("sms/*/*.txt")]
            return all(any(m in t and "红牌" in t for t in texts) for m in expected_red)

        await wait_for(sms_for_every_red, timeout=180, interval=1, what="a red-card SMS per late matter")
        assert list(outbox.glob("email/*/*.eml")), "e-mails are written too"
        # No notice went out twice: none was claimed again while its first send was on its way.
        conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            twice = await conn.fetchval(
                "SELECT count(*) FROM (SELECT notice_id FROM notify.attempts GROUP BY notice_id "
                "HAVING count(*) FILTER (WHERE outcome = 'sent') > 1 OR bool_or(lease_lost)) x")
        finally:
            await conn.close()
        assert twice == 0, f"{twice} notices sent more than once"

        # One grep follows a case through every service: its correlation id is in all logs.
        red = next(e for e in events(readers["xn.deadlines"], "deadline.missed")
                   if e.payload["deadline"]["subject_id"] in expected_red)
        corr = str(red.correlation_id)
        logs = {name: p.log_path.read_text(errors="replace") for name, p in dep.procs.items()}
        assert [n for n in SERVICES if corr not in logs[n]] == [], f"correlation {corr} missing"
        assert "13800000" not in "".join(logs.values()), "phone numbers are masked in logs"
    finally:
        for r in readers.values():
            await r.stop()
        dep.stop_all()
        await drop_database(infra, db)
        await delete_topics(infra.kafka_bootstrap, prefix=prefix)


async def _superset(got, want: set[str]) -> bool:
    return set(await got) >= want
