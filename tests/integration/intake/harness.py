"""An intake service assembled from its parts over the real broker and database, with its own
schema and topics: the HTTP app (via httpx ASGITransport), the Kafka doors, the outbox relay."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy import text

from services.intake.auth import KeyStore
from services.intake.context import Topics
from services.intake.http_api import HttpDeps, install_api
from services.intake.subscribers import Doors, build_door_router
from shared.clock import ManualClock
from shared.db import make_engine, session_factory
from shared.envelope import Envelope
from shared.messaging.outbox import OutboxRelay, make_producer
from shared.messaging.pipeline import Pipeline
from shared.migrations import migrations_dir, upgrade_async
from tests.support.kafka import TopicReader, create_topics, publish, unique
from tests.support.waiting import wait_for

NOW = datetime(2026, 5, 12, 6, 5, 30, tzinfo=timezone.utc)


def uid(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass
class Intake:
    bootstrap: str
    schema: str
    topics: Topics
    doors: Doors
    dlq: str
    engine: object
    clock: ManualClock
    http: httpx.AsyncClient
    key: str = ""
    pipeline: Pipeline | None = None
    readers: dict[str, TopicReader] = field(default_factory=dict)

    async def post(self, path: str, body, *, key: str | None = None, **headers) -> httpx.Response:
        h = {"X-Api-Key": self.key if key is None else key, **headers}
        content = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
        return await self.http.post(path, content=content, headers=h)

    async def door(self, door: str, *messages: dict | bytes, key: bytes | None = None) -> None:
        await publish(self.bootstrap, getattr(self.doors, door), *[
            m if isinstance(m, bytes) else json.dumps(m, ensure_ascii=False).encode()
            for m in messages], key=key)

    async def reader(self, topic: str) -> TopicReader:
        if topic not in self.readers:
            self.readers[topic] = await TopicReader(self.bootstrap, topic).start()
        return self.readers[topic]

    async def events(self, topic: str, key: str | None = None) -> list[Envelope]:
        recs = await (await self.reader(topic)).poll()
        envs = [Envelope.from_bytes(r.value) for r in recs]
        return [e for e in envs if key is None or e.key == key]

    async def wait_events(self, topic: str, n: int, key: str | None = None,
                          timeout: float = 30) -> list[Envelope]:
        async def enough():
            envs = await self.events(topic, key)
            return envs if len(envs) >= n else None
        return await wait_for(enough, timeout=timeout, what=f"{n} events on {topic} key={key}")

    async def published(self, key: str | None = None) -> list[Envelope]:
        """Every event this intake has published so far, on all its topics, once the relay has
        sent what it holds: it deletes a row only after the broker has it, so an empty outbox
        means nothing more is on its way."""
        await wait_for(self._outbox_empty, what="intake's outbox to empty")
        envs = []
        for topic in vars(self.topics).values():
            envs += [Envelope.from_bytes(r.value)
                     for r in await (await self.reader(topic)).read_to_end()]
        return [e for e in envs if key is None or e.key == key]

    async def _outbox_empty(self) -> bool | None:
        return await self.count("outbox") == 0 or None

    async def dead_letters(self, n: int, timeout: float = 30) -> list[dict]:
        r = await self.reader(self.dlq)

        async def enough():
            recs = await r.poll()
            return [json.loads(x.value) for x in recs] if len(recs) >= n else None
        return await wait_for(enough, timeout=timeout, what=f"{n} dead letters")

    async def count(self, table: str, where: str = "TRUE", **params) -> int:
        async with self.engine.connect() as conn:  # type: ignore[attr-defined]
            return (await conn.execute(text(
                f'SELECT count(*) FROM "{self.schema}".{table} WHERE {where}'), params)).scalar_one()

    async def new_key(self, system: str, require_signature: bool = False) -> str:
        async with session_factory(self.engine)() as s, s.begin():  # type: ignore[arg-type]
            return await KeyStore(self.schema).create(s, system, require_signature)


async def start_intake(bootstrap: str, dsn: str, *, with_doors: bool = True,
                       with_relay: bool = True):
    """Yields a running Intake; use as an async generator fixture body. Without the relay,
    whatever is emitted stays in the outbox table, for tests that compare what was written."""
    schema = f"intake_{uuid.uuid4().hex[:8]}"
    await upgrade_async(migrations_dir("intake"), schema, dsn)
    topics = Topics(**{n: unique(f"t.{n}") for n in
                       ("roster", "reports", "matters", "complaints", "inspections", "office")})
    doors = Doors(**{n: unique(f"t.in.{n}") for n in
                     ("roster", "reports", "matters", "complaints", "inspections")})
    dlq = unique("t.dlq")
    await create_topics(bootstrap, *vars(topics).values(), *vars(doors).values(), dlq,
                        partitions=1)
    engine = make_engine(dsn)
    sessions = session_factory(engine)
    clock = ManualClock(NOW)
    producer = make_producer(bootstrap, "intake-test")
    await producer.start()
    relay = OutboxRelay(engine, schema, producer, poll_s=0.05)
    pipeline = Pipeline(service="intake", consumer="intake", schema=schema, sessions=sessions,
                        producer=producer, clock=clock, relay_wake=relay.wake,
                        dead_letter_topic=dlq, backoff_s=0.01, max_attempts=3)
    broker = KafkaBroker(bootstrap)
    broker.include_router(build_door_router(pipeline, topics, doors, group_id=f"g-{schema}"))
    app = FastAPI()
    install_api(app, HttpDeps(sessions, schema, clock, topics, relay.wake, wall_clock=clock))
    relay_task = asyncio.create_task(relay.run()) if with_relay else None
    if with_doors:
        await broker.start()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")
    it = Intake(bootstrap, schema, topics, doors, dlq, engine, clock, http)
    it.key = await it.new_key("test-system")
    it.pipeline = pipeline
    try:
        yield it
    finally:
        await http.aclose()
        for r in it.readers.values():
            await r.stop()
        if with_doors:
            await broker.stop()
        relay.stop()
        if relay_task is not None:
            await relay_task
        await producer.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
