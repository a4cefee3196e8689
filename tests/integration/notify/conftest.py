"""The `notify` fixture: one notify service per test (see harness.py)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from shared.clock import ManualClock
from shared.db import make_engine, session_factory
from shared.messaging.outbox import OutboxRelay, make_producer
from shared.messaging.pipeline import Pipeline
from shared.migrations import migrations_dir, upgrade_async
from tests.integration.notify.harness import (FlakySmtp, NotifyHarness, build_broker,
                                              build_channels, build_deps, make_topics, new_group)
from tests.support.kafka import create_topics, unique
from tests.unit.notify.sms_stub import SmsProviderStub
from tests.unit.notify.smtp_server import free_port

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 5, 12, 10, 0, tzinfo=SH)  # a Tuesday morning, outside quiet hours


@pytest.fixture
async def notify(infra):
    schema = f"notify_{uuid.uuid4().hex[:8]}"
    await upgrade_async(migrations_dir("notify"), schema, infra.database_url)
    topics = make_topics()
    dlq = unique("n.dlq")
    await create_topics(infra.kafka_bootstrap, *topics.sources, topics.notices, dlq, partitions=1)
    smtp, port = FlakySmtp(), free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()
    stub = SmsProviderStub()
    await stub.start()
    http = httpx.AsyncClient()
    engine = make_engine(infra.database_url)
    clock = ManualClock(T0)
    producer = make_producer(infra.kafka_bootstrap, "notify-test")
    await producer.start()
    relay = OutboxRelay(engine, schema, producer, poll_s=0.05)
    pipeline = Pipeline(service="notify-test", consumer="notify", schema=schema,
                        sessions=session_factory(engine), producer=producer, clock=clock,
                        relay_wake=relay.wake, dead_letter_topic=dlq, backoff_s=0.01)
    deps = build_deps(topics)
    broker = build_broker(infra.kafka_bootstrap, pipeline, deps, new_group())
    relay_task = asyncio.create_task(relay.run())
    await broker.start()
    h = NotifyHarness(infra.kafka_bootstrap, schema, topics, engine, clock, smtp, port, stub,
                      deps, build_channels(port, stub, http), relay, http)
    h.dead_letters = dlq
    yield h
    await broker.stop()
    relay.stop()
    await relay_task
    await producer.stop()
    await http.aclose()
    await stub.stop()
    controller.stop()
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()
