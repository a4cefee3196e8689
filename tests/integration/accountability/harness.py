"""The accountability service running in this process against the real broker and database,
on its own schema and topics: what the integration tests and the benchmark drive."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from faststream.kafka import KafkaBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.accountability import subscribers
from services.accountability.handlers import make_handler, make_prepare
from services.accountability.main import SERVICE
from services.accountability.rulebook_store import store_rulebook
from services.accountability.settings import AccountabilitySettings
from services.accountability.wiring import Deps, Topics, deadlines_calendar
from shared import events  # noqa: F401
from shared.clock import SystemClock
from shared.db import make_engine, session_factory
from shared.envelope import Envelope, EventPayload
from shared.events.roster import PersonAppointed, PersonRegistered, UnitRegistered
from shared.messaging.outbox import OutboxRelay, make_producer
from shared.messaging.pipeline import Pipeline
from shared.migrations import migrations_dir, upgrade_async
from tests.support.kafka import TopicReader, create_topics, unique
from tests.support.waiting import wait_for

DEFAULT_BOOK = AccountabilitySettings().rulebook_path


@dataclass
class Harness:
    bootstrap: str
    dsn: str
    schema: str
    topics: Topics
    dead_letter: str
    engine: AsyncEngine
    stop: list = field(default_factory=list)
    readers: dict[str, TopicReader] = field(default_factory=dict)

    @property
    def cli_args(self) -> list[str]:
        return ["--database-url", self.dsn, "--schema", self.schema]

    async def publish(self, topic: str, *envs: Envelope) -> None:
        producer = self._producer
        for env in envs:
            await producer.send(topic, env.to_bytes(), key=env.key.encode())
        await producer.flush()

    async def publish_raw(self, topic: str, value: bytes, key: bytes) -> None:
        await self._producer.send_and_wait(topic, value, key=key)

    async def reader(self, topic: str) -> TopicReader:
        if topic not in self.readers:
            self.readers[topic] = await TopicReader(self.bootstrap, topic).start()
        return self.readers[topic]

    async def events(self, topic: str, event_type: str | None = None) -> list[Envelope]:
        envs = [Envelope.from_bytes(r.value) for r in await (await self.reader(topic)).poll()]
        return [e for e in envs if event_type is None or e.event_type == event_type]

    async def wait_events(self, topic: str, event_type: str, n: int, timeout: float = 30.0,
                          where=lambda e: True) -> list[Envelope]:
        async def enough():
            found = [e for e in await self.events(topic, event_type) if where(e)]
            return found if len(found) >= n else None
        return await wait_for(enough, timeout=timeout, what=f"{n} × {event_type} on {topic}")

    async def dead_letters(self) -> list[dict]:
        return [json.loads(r.value) for r in await (await self.reader(self.dead_letter)).poll()]

    async def query(self, sql: str, **params) -> list:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql.replace("{s}", f'"{self.schema}"')), params)).all()

    async def processed(self) -> int:
        """Events handled so far (applied or skipped as duplicates): the inbox count."""
        return (await self.query("SELECT count(*) FROM {s}.inbox"))[0][0]

    async def seed_roster(self, units: dict[str, list[tuple[str, str, date, date | None]]],
                          at: datetime) -> None:
        """units: unit id -> [(person id, role, from, to)]; waits until projected."""
        envs = roster_envelopes(units, at)
        before = await self.processed()
        await self.publish(self.topics.roster, *envs)
        await wait_for(lambda: self._at_least(before + len(envs)), timeout=60, what="roster projected")

    async def _at_least(self, n: int) -> bool:
        return await self.processed() >= n


def env(payload: EventPayload, key: str, at: datetime, unit_id: str | None = None,
        producer: str = "test") -> Envelope:
    return Envelope.wrap(payload, key=key, occurred_at=at, producer=producer,
                         unit_id=unit_id or getattr(payload, "unit_id", None))


async def start_service(bootstrap: str, dsn: str, *, partitions: int = 2,
                        rulebook_text: str | None = None) -> Harness:
    tag = uuid.uuid4().hex[:8]
    schema = f"acc_{tag}"
    names = {f: unique(f"acc.{f}") for f in Topics.__dataclass_fields__}
    topics = Topics(**names)
    dlq = unique("acc.dlq")
    await create_topics(bootstrap, *names.values(), dlq, partitions=partitions)
    await upgrade_async(migrations_dir(SERVICE), schema, dsn)
    engine = make_engine(dsn, 10)
    sessions = session_factory(engine)
    async with sessions() as s, s.begin():
        await store_rulebook(s, schema, rulebook_text or DEFAULT_BOOK.read_text(encoding="utf-8"))
    producer = make_producer(bootstrap, f"acc-{tag}")
    await producer.start()
    relay = OutboxRelay(engine, schema, producer, poll_s=0.05, service=SERVICE)
    pipeline = Pipeline(service=SERVICE, consumer=SERVICE, schema=schema, sessions=sessions,
                        producer=producer, clock=SystemClock(), relay_wake=relay.wake,
                        dead_letter_topic=dlq, backoff_s=0.01, backoff_max_s=0.5)
    deps = Deps(topics=topics, calendar=deadlines_calendar(AccountabilitySettings().calendar_dir))
    broker = KafkaBroker(bootstrap)
    subscribers.register(broker, pipeline, make_handler(deps), topics, group=f"acc-{tag}",
                         prepare=make_prepare(deps))
    relay_task = asyncio.create_task(relay.run())
    await broker.start()
    h = Harness(bootstrap, dsn, schema, topics, dlq, engine)
    h._producer = make_producer(bootstrap, f"acc-test-{tag}")
    await h._producer.start()

    async def shutdown() -> None:
        await broker.stop()
        relay.stop()
        await relay_task
        await producer.stop()
        await h._producer.stop()
        for r in h.readers.values():
            await r.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()

    h.stop.append(shutdown)
    return h


def roster_envelopes(units: dict[str, list[tuple[str, str, date, date | None]]],
                     at: datetime) -> list[Envelope]:
    """units: unit id -> [(person id, role, from, to)] as roster events, in registration order."""
    envs = []
    for unit_id, people in units.items():
        envs.append(env(UnitRegistered(unit_id=unit_id, name=f"{unit_id}局", kind="department"),
                        unit_id, at))
        for person, role, start, end in people:
            envs.append(env(PersonRegistered(person_id=person, name=person, unit_id=unit_id,
                                             phone="13800138000"), unit_id, at))
            envs.append(env(PersonAppointed(person_id=person, unit_id=unit_id, role=role,
                                            effective_from=start, effective_to=end), unit_id, at))
    return envs
