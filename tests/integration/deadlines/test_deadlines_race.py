"""Two pollers (two replicas: separate engines and connections) racing over the same due
deadlines: every card fires exactly once, on Kafka too."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from services.deadlines.handlers import make_handler
from services.deadlines.poller import Poller
from shared.db import make_engine, session_factory
from shared.envelope import Envelope
from shared.events.cases import MatterAccepted
from shared.messaging.pipeline import Tx
from tests.integration.deadlines.conftest import local
from tests.integration.deadlines.harness import start
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
N = 300


async def test_two_replicas_fire_each_card_exactly_once(infra):
    h, stop = await start(infra, local(2026, 10, 9, 9), n_pollers=0)
    engines = [make_engine(infra.database_url) for _ in range(2)]
    try:
        # Open N matters through the real handler, straight into the database (no Kafka needed
        # for the setup): 2 working days from Fri 10-09 → due Mon 10-12, with yellow cards.
        handler = make_handler(h.deps)
        sessions = session_factory(h.engine)
        async with sessions() as session, session.begin():
            tx = Tx(session, h.schema, h.clock)
            for i in range(N):
                p = MatterAccepted(matter_id=f"R-{i}", unit_id=f"U{i % 7}", title="x",
                                   promised_working_days=2, accepted_at=local(2026, 10, 9, 9),
                                   handler_id="h")
                await handler(tx, Envelope.wrap(p, key=p.matter_id, occurred_at=h.clock.now(),
                                                producer="test"))
        h.clock.set(local(2026, 10, 13, 1))  # every one overdue
        pollers = [Poller(sessions=session_factory(e), schema=h.schema, clock=h.clock,
                          deps=h.deps, batch=7, interval_s=0.01) for e in engines]
        # Both replicas poll flat out, concurrently, until nothing is due.
        rounds = await asyncio.gather(*(_drain(p) for p in pollers))
        assert all(r > 1 for r in rounds), "both replicas must have taken part"
        assert sum(p.fired for p in pollers) == N
        assert all(p.fired > 0 for p in pollers)

        async def all_missed():
            return len(await h.events("deadline.missed")) >= N or None
        await wait_for(all_missed, timeout=60, what=f"{N} red cards on Kafka")
        await wait_for(h.outbox_empty, what="outbox drained")
        await h.out.poll()
        missed = Counter(e.payload["deadline"]["deadline_id"] for e in await h.events("deadline.missed"))
        assert len(missed) == N and set(missed.values()) == {1}
        # Once overdue only the red card fires: yellow cards missed while down are not sent late.
        assert await h.events("deadline.warned") == []
    finally:
        for e in engines:
            await e.dispose()
        await stop()


async def _drain(poller: Poller) -> int:
    rounds, empty = 0, 0
    while empty < 3:  # a few empty polls in a row: the other replica may still hold rows
        handled = await poller.poll_once()
        rounds += 1
        empty = empty + 1 if handled == 0 else 0
        await asyncio.sleep(0)
    return rounds
