"""A deadlines service assembled from its parts over the real broker and database, with unique
topics, a unique schema and a ManualClock; the poller runs as in production."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from faststream.kafka import KafkaBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.deadlines.calendars import CalendarProvider
from services.deadlines.deps import Deps, Topics
from services.deadlines.domain import load_rule_book
from services.deadlines.handlers import make_handler, prepare_batch
from services.deadlines.poller import Poller
from services.deadlines.settings import HERE
from services.deadlines.subscribers import register
from shared.clock import ManualClock
from shared.db import make_engine, session_factory
from shared.envelope import Envelope, EventPayload
from shared.messaging.outbox import OutboxRelay, make_producer
from shared.messaging.pipeline import Handler, Pipeline
from shared.migrations import migrations_dir, upgrade_async
from tests.support.kafka import TopicReader, create_topics, publish, unique
from tests.support.waiting import wait_for


def deadlines(env: Envelope) -> list[dict]:
    """The deadline facts an event carries: deadline.scheduled (v2) carries every clock one fact
    opened for its subject, the other deadline events one deadline."""
    if env.event_type == "deadline.scheduled":
        return [c["deadline"] for c in env.payload["clocks"]]
    return [env.payload["deadline"]]


@dataclass
class Harness:
    bootstrap: str
    schema: str
    topics: Topics
    dlq: str
    clock: ManualClock
    engine: AsyncEngine
    deps: Deps
    pollers: list[Poller]
    out: TopicReader
    dead: TopicReader
    pipeline: Pipeline  # to apply a chosen batch directly (tests of batching)
    handler: Handler
    tasks: list[asyncio.Task] = field(default_factory=list)

    async def send(self, topic: str, payload: EventPayload, key: str, **kw: Any) -> Envelope:
        env = Envelope.wrap(payload, key=key, occurred_at=self.clock.now(), producer="test", **kw)
        await publish(self.bootstrap, topic, env.to_bytes(), key=key.encode())
        return env

    async def events(self, event_type: str | None = None) -> list[Envelope]:
        await self.out.poll()
        envs = [Envelope.from_bytes(r.value) for r in self.out.records]
        return [e for e in envs if event_type is None or e.event_type == event_type]

    async def wait_events(self, event_type: str, n: int, **match: Any) -> list[Envelope]:
        """`match`: deadline facts; an event matches if one of the deadlines it carries does."""
        async def enough():
            found = [e for e in await self.events(event_type)
                     if any(all(d.get(k) == v for k, v in match.items()) for d in deadlines(e))]
            return found if len(found) >= n else None
        return await wait_for(enough, timeout=30, what=f"{n} × {event_type} {match}")

    async def wait_dead_letters(self, n: int) -> list[dict]:
        async def enough():
            recs = await self.dead.poll()
            return [json.loads(r.value) for r in recs] if len(recs) >= n else None
        return await wait_for(enough, timeout=30, what=f"{n} dead letters")

    async def settle(self) -> None:
        """Two full polls after now, and the outbox empty: whatever was due has reached Kafka."""
        for poller in self.pollers:
            target = poller.polls + 2
            await wait_for(lambda p=poller, t=target: _ready(p.polls >= t), what="two polls")
        await wait_for(self.outbox_empty, what="outbox drained")
        await self.out.poll()

    async def outbox_empty(self) -> bool:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(
                f'SELECT count(*) FROM "{self.schema}".outbox'))).scalar_one() == 0

    async def row(self, deadline_id: str) -> dict | None:
        async with self.engine.connect() as conn:
            r = (await conn.execute(text(
                f'SELECT * FROM "{self.schema}".deadlines WHERE deadline_id = :i'),
                {"i": deadline_id})).mappings().first()
        return dict(r) if r else None


async def _ready(value: bool) -> bool:
    return value


async def start(infra, start_at: datetime, n_pollers: int = 1, with_relay: bool = True):
    """Without the relay, whatever is emitted stays in the outbox table (the relay deletes what
    it published), for tests that compare what was written."""
    schema = f"dl_{uuid.uuid4().hex[:8]}"
    await upgrade_async(migrations_dir("deadlines"), schema, infra.database_url)
    topics = Topics(**{name: unique(f"t.{name}") for name in (
        "roster", "reports", "matters", "complaints", "deadline_requests", "calendar", "deadlines")})
    dlq = unique("t.dlq")
    await create_topics(infra.kafka_bootstrap, *topics.consumed(), topics.deadlines, dlq)
    clock = ManualClock(start_at)
    engine = make_engine(infra.database_url)
    producer = make_producer(infra.kafka_bootstrap, "deadlines-test")
    await producer.start()
    relay = OutboxRelay(engine, schema, producer, poll_s=0.05)
    sessions = session_factory(engine)
    deps = Deps(rules=load_rule_book(), topics=topics,
                calendars=CalendarProvider.from_directory(schema, HERE / "calendars"))
    pipeline = Pipeline(service="deadlines", consumer="deadlines", schema=schema, sessions=sessions,
                        producer=producer, clock=clock, relay_wake=relay.wake,
                        dead_letter_topic=dlq, backoff_s=0.01)
    broker = KafkaBroker(infra.kafka_bootstrap)
    handler = make_handler(deps)
    register(broker, pipeline, handler, topics, group_id=f"deadlines-{schema}",
             prepare=prepare_batch)
    pollers = [Poller(sessions=sessions, schema=schema, clock=clock, deps=deps, batch=50,
                      interval_s=0.05, wake=relay.wake) for _ in range(n_pollers)]
    out = await TopicReader(infra.kafka_bootstrap, topics.deadlines).start()
    dead = await TopicReader(infra.kafka_bootstrap, dlq).start()
    h = Harness(infra.kafka_bootstrap, schema, topics, dlq, clock, engine, deps, pollers, out, dead,
                pipeline, handler)
    h.tasks = [*([asyncio.create_task(relay.run())] if with_relay else []),
               *(asyncio.create_task(p.run()) for p in pollers)]
    await broker.start()

    async def stop() -> None:
        await broker.stop()
        relay.stop()
        for t in h.tasks:
            t.cancel()
        await asyncio.gather(*h.tasks, return_exceptions=True)
        await out.stop()
        await dead.stop()
        await producer.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()

    return h, stop
