"""A service process joins its consumer group as a static member under XN_KAFKA_INSTANCE_ID
(KIP-345), and, killed with SIGKILL and started again under that name, is the group's only
member again and consumes. (That the broker then swaps members without waiting out the dead
one's session is Kafka's part; docs/reliability.md gives the restart times measured.) Two
processes running under one name say so: they evict each other at every heartbeat, and each
fails its readiness check naming the instance and logs an error."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from services.deadlines.domain import LOCAL_TZ
from shared.envelope import Envelope
from tests.e2e.deadlines.support import accepted, namespace
from tests.support.kafka import TopicReader, publish
from tests.support.processes import Deployment, drop_database
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
INSTANCE = "deadlines-a7"


async def members(admin: AIOKafkaAdminClient, group: str) -> list[str]:
    """Member ids of the group; a static member's id starts with its instance name."""
    (resp,) = await admin.describe_consumer_groups([group])
    _error, _group, _state, _ptype, _proto, found = resp.groups[0][:6]
    return [m[0] for m in found]


def overdue(matter_id: str) -> bytes:
    """One working day from a day long past: due at once."""
    return accepted(matter_id, datetime(2026, 10, 8, 9, tzinfo=LOCAL_TZ), 1).to_bytes()


async def test_restarted_process_replaces_its_dead_self_in_the_group_and_consumes(infra, tmp_path):
    db, prefix, dsn = await namespace(infra)
    dep = Deployment(infra, dsn, prefix, tmp_path, extra_env={"XN_POLL_INTERVAL_S": "0.1"})
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    out = await TopicReader(infra.kafka_bootstrap, prefix + "xn.deadlines").start()
    group = prefix + "deadlines"

    async def missed(matter_id: str) -> bool:
        await out.poll()
        return any(e.event_type == "deadline.missed" and e.payload["deadline"]["subject_id"] == matter_id
                   for e in (Envelope.from_bytes(r.value) for r in out.records))

    try:
        svc = dep.start("deadlines", XN_KAFKA_INSTANCE_ID=INSTANCE)
        await svc.wait_ready()
        first = await members(admin, group)
        assert len(first) == 1 and first[0].startswith(INSTANCE + "-"), first

        svc.kill()
        svc.start()
        await svc.wait_ready()
        # One member, a new one under the same name.
        await wait_for(lambda: _one_new_member(admin, group, first), timeout=60,
                       what="the restarted process as the group's only member")
        await publish(infra.kafka_bootstrap, prefix + "xn.matters", overdue("AFTER-RESTART"))
        await wait_for(lambda: missed("AFTER-RESTART"), timeout=60,
                       what="the restarted process to consume and fire a red card")
    finally:
        await out.stop()
        await admin.close()
        dep.stop_all()
        await drop_database(infra, db)


async def _one_new_member(admin: AIOKafkaAdminClient, group: str, before: list[str]) -> bool:
    now = await members(admin, group)
    return len(now) == 1 and now[0] not in before and now[0].startswith(INSTANCE + "-")


async def test_two_live_processes_under_one_name_are_reported_by_both(infra, tmp_path):
    """Under a steady stream: busy twins hear of each eviction from their offset commits
    rather than their heartbeats (one run: 96 failed commits and no heartbeat warning in each
    log; the test fails when the watch reads heartbeats only)."""
    db, prefix, dsn = await namespace(infra)
    dep = Deployment(infra, dsn, prefix, tmp_path)
    feeding = asyncio.Event()

    async def feed() -> None:
        when, n = datetime(2026, 11, 20, 9, tzinfo=LOCAL_TZ), 0
        while not feeding.is_set():
            await publish(infra.kafka_bootstrap, prefix + "xn.matters", batch=True,
                          *(accepted(f"M-{n + i}", when, 30).to_bytes() for i in range(20)))
            n += 20
            await asyncio.sleep(0.1)

    try:
        first = dep.start("deadlines", name="first", XN_KAFKA_INSTANCE_ID=INSTANCE)
        await first.wait_ready()
        feeder = asyncio.create_task(feed())
        second = dep.start("deadlines", name="second", XN_KAFKA_INSTANCE_ID=INSTANCE)
        for proc in (first, second):
            why = await wait_for(lambda p=proc: _membership_failing(p), timeout=90,
                                 what=f"{proc.name} to report its contested membership")
            assert f"XN_KAFKA_INSTANCE_ID={INSTANCE}" in why, why
        feeding.set()
        await feeder
        for proc in (first, second):
            assert "kafka group membership contested" in proc.log_path.read_text(), proc.tail()
    finally:
        feeding.set()
        dep.stop_all()
        await drop_database(infra, db)


async def _membership_failing(proc) -> str | None:
    """The reason /readyz gives for the membership check, once it fails."""
    try:
        async with httpx.AsyncClient(timeout=2) as c:
            r = await c.get(f"{proc.url}/readyz")
    except httpx.HTTPError:
        return None  # not serving yet
    check = r.json().get("checks", {}).get("kafka_membership", "ok")
    return check if r.status_code == 503 and check != "ok" else None
