"""The consumer applied in batches: a batch costs the same few statements whatever its size,
a later event of a batch sees what an earlier one wrote, and each consumer's copy of the roster
follows what other replicas commit and forgets what rolled back.

Driven through Pipeline.process_batch directly (as the subscriber calls it), without Kafka."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from services.notify.handlers import make_handler, make_prepare
from services.notify.roster import RosterCache
from shared.db import make_engine, session_factory
from shared.events.roster import PersonRegistered
from shared.messaging.deadletter import RawMessage
from shared.messaging.pipeline import Pipeline, Tx
from tests.integration.notify import events as ev

pytestmark = pytest.mark.integration


class Consumer:
    """One replica of notify's consumer: its own roster copy, its own inbox name."""

    def __init__(self, h, name: str) -> None:
        self.roster = RosterCache()
        self.handler, self.prepare = make_handler(h.deps, self.roster), make_prepare(self.roster)
        # Its own engine, so counting its statements counts no one else's (the relay polls).
        self.engine = make_engine(h.engine.url.render_as_string(hide_password=False))
        self.pipeline = Pipeline(service="notify-test", consumer=name, schema=h.schema,
                                 sessions=session_factory(self.engine),
                                 producer=None, clock=h.clock)  # type: ignore[arg-type]

    async def apply(self, *envs) -> list[str]:
        msgs = [RawMessage("t", 0, i, e.key.encode(), e.to_bytes()) for i, e in enumerate(envs)]
        return await self.pipeline.process_batch(msgs, self.handler, self.prepare)


@pytest.fixture
async def replica(notify):
    """Makes consumers on the test's schema; their engines are closed at the end."""
    made: list[Consumer] = []

    def make(name: str = "notify") -> Consumer:
        made.append(Consumer(notify, name))
        return made[-1]
    yield make
    for c in made:
        await c.engine.dispose()


def count_statements(engine) -> list[int]:
    n = [0]

    def count(*_args) -> None:
        n[0] += 1
    event.listen(engine.sync_engine, "before_cursor_execute", count)
    return n


async def test_a_batch_costs_the_same_statements_at_any_size(notify, replica):
    h = notify
    c = replica()
    assert set(await c.apply(*ev.roster())) == {"applied"}
    counted = count_statements(c.engine)
    await c.apply(*(ev.filed(f"TS-{i}") for i in range(5)))
    small = counted[0]
    await c.apply(*(ev.filed(f"TS-{i}") for i in range(5, 205)))
    assert counted[0] - small == small  # inbox, roster check, complaints, notices
    assert small <= 4
    assert await h.scalar("SELECT count(*) FROM {s}.notices WHERE kind = "
                          "'complaint_acknowledged' AND channel = 'sms'") == 205
    counted[0] = 0
    await c.apply(*(ev.warned(f"M-{i}") for i in range(100)))
    assert counted[0] <= 4  # inbox, roster check, notices
    assert await h.scalar("SELECT count(*) FROM {s}.notices WHERE kind = 'deadline_warning'") == 400


async def test_a_later_event_of_a_batch_sees_what_an_earlier_one_wrote(notify, replica):
    h = notify
    c = replica()
    filed = ev.filed("TS-1")
    out = await c.apply(*ev.roster(), filed, ev.concluded("TS-1", cause=filed),
                        ev.measure("CF-1", "admonition", "诫勉", "H1"), ev.appeal("CF-1"))
    assert set(out) == {"applied"}  # in one batch: nothing was redone alone or dead-lettered
    kinds = dict(await h.rows("SELECT kind, count(*) FROM {s}.notices GROUP BY kind"))
    assert kinds["complaint_acknowledged"] == 1 and kinds["complaint_result"] == 1
    assert kinds["appeal_outcome"] >= 1 and kinds["measure_decided"] >= 1
    assert await h.scalar("SELECT address FROM {s}.notices WHERE kind = 'complaint_result' "
                          "AND channel = 'sms'") == "13900000009"


async def test_each_replica_follows_the_roster_another_one_commits(notify, replica):
    h = notify
    a, b = replica(), replica("notify-b")
    await a.apply(*ev.roster())
    await b.apply(ev.warned("M-1"))  # b has read the roster now
    new_phone = PersonRegistered(person_id="L1", name="刘联络", unit_id="JYJ",
                                 phone="13700000001", email="liaison@jyj.gov.cn")
    await a.apply(ev.wrap(new_phone, "JYJ"))
    await b.apply(ev.warned("M-2"))
    phones = dict(await h.rows("SELECT source_event_id::text, address FROM {s}.notices "
                               "WHERE recipient_id = 'L1' AND channel = 'sms'"))
    assert sorted(phones.values()) == ["13700000001", "13800000001"]


async def test_a_roster_write_that_rolled_back_is_forgotten(notify, replica):
    h = notify
    c = replica()
    await c.apply(*ev.roster())
    new_phone = PersonRegistered(person_id="L1", name="刘联络", unit_id="JYJ",
                                 phone="13700000001", email="liaison@jyj.gov.cn")
    with pytest.raises(RuntimeError):
        async with h.sessions() as s, s.begin():
            tx = Tx(s, h.schema, h.clock, buffered=True)
            await c.handler(tx, ev.wrap(new_phone, "JYJ"))  # the copy takes the write ...
            await tx.flush()
            raise RuntimeError("... and the transaction rolls back")
    await c.apply(ev.warned("M-1"))
    assert await h.scalar("SELECT address FROM {s}.notices WHERE recipient_id = 'L1' "
                          "AND channel = 'sms'") == "13800000001"
    assert await h.scalar("SELECT phone FROM {s}.people WHERE person_id = 'L1'") == "13800000001"
