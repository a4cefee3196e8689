"""Count the SQL statements the accountability pipeline sends per Kafka batch: the deterministic
measure of its per-event cost (wall-clock figures swing with the machine's load).

The batches go straight into `Pipeline.process_batch` (no broker in between), so what is counted
is exactly one consumer poll's worth of work: the inbox insert, the handler calls, the outbox
write. Used by the statement-budget test and by `bench/accountability_throughput.py
--statements`."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.accountability.handlers import make_handler, make_prepare
from services.accountability.main import SERVICE
from services.accountability.rulebook_store import store_rulebook
from services.accountability.settings import AccountabilitySettings
from services.accountability.wiring import Deps, Topics, deadlines_calendar
from shared.clock import SystemClock
from shared.db import make_engine, session_factory
from shared.envelope import Envelope
from shared.messaging.deadletter import RawMessage
from shared.messaging.pipeline import Pipeline
from shared.migrations import migrations_dir, upgrade_async
from tests.integration.accountability.harness import roster_envelopes


@dataclass
class Counted:
    statements: int = 0
    by_kind: Counter = field(default_factory=Counter)


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Counted]:
    """Every statement sent to PostgreSQL while inside (an executemany counts once: it is one
    pipelined exchange)."""
    counted = Counted()

    def before(conn, cursor, statement, parameters, context, executemany):
        counted.statements += 1
        counted.by_kind[" ".join(statement.split())[:60]] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield counted
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


class _NoProducer:
    """Dead letters would go to Kafka; a counted batch must not produce any."""

    async def send_and_wait(self, *a, **kw):
        raise AssertionError("a counted batch dead-lettered a message")


@dataclass
class Direct:
    """The service's pipeline and handler on a fresh schema, fed without a broker."""

    engine: AsyncEngine
    schema: str
    pipeline: Pipeline
    deps: Deps
    offset: int = 0

    async def feed(self, topic: str, envs: list[Envelope], batch: int = 500) -> list[str]:
        handler, prepare = make_handler(self.deps), make_prepare(self.deps)
        outcomes: list[str] = []
        for i in range(0, len(envs), batch):
            msgs = []
            for e in envs[i:i + batch]:
                msgs.append(RawMessage(topic=topic, partition=0, offset=self.offset,
                                       key=e.key.encode(), value=e.to_bytes(), headers=()))
                self.offset += 1
            outcomes += await self.pipeline.process_batch(msgs, handler, prepare)
        return outcomes

    async def seed_roster(self, units: dict[str, list[tuple[str, str, date, date | None]]],
                          at: datetime) -> None:
        await self.feed("roster", roster_envelopes(units, at))

    async def close(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        await self.engine.dispose()


async def direct(dsn: str) -> Direct:
    schema = f"accn_{uuid.uuid4().hex[:8]}"
    await upgrade_async(migrations_dir(SERVICE), schema, dsn)
    engine = make_engine(dsn, 4)
    sessions = session_factory(engine)
    settings = AccountabilitySettings()
    async with sessions() as s, s.begin():
        await store_rulebook(s, schema, settings.rulebook_path.read_text(encoding="utf-8"))
    pipeline = Pipeline(service=SERVICE, consumer=SERVICE, schema=schema, sessions=sessions,
                        producer=_NoProducer(), clock=SystemClock())  # type: ignore[arg-type]
    deps = Deps(topics=Topics(), calendar=deadlines_calendar(settings.calendar_dir))
    return Direct(engine, schema, pipeline, deps)
