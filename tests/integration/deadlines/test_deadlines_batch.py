"""A batch (one transaction for many events, the deadline rows written once at its end) gives
exactly what the same events give one at a time: the same rows, the same events in the same
order, the same refusals — also when a batch mixes cases, repeats an event, opens a clock that
is already in the table, or loads a calendar year after opening a clock provisional for it.
And a batch costs a fixed number of statements, however many clocks it opens."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, text

from services.deadlines.handlers import prepare_batch
from services.deadlines.settings import HERE
from shared.clock import ManualClock
from shared.db import make_engine, session_factory
from shared.envelope import Envelope, EventPayload
from shared.events.cases import (
    MatterAccepted,
    MatterCompleted,
    MatterExtended,
    MatterPaused,
    MatterResumed,
)
from shared.events.complaints import (
    Complainant,
    ComplaintAccepted,
    ComplaintConcluded,
    ComplaintFiled,
    ComplaintRedispatched,
    ComplaintReturned,
)
from shared.messaging.deadletter import RawMessage
from shared.messaging.tx import Tx
from shared.workdays import event_from_year, parse_year_file, year_event_id
from tests.integration.deadlines.conftest import local
from tests.integration.deadlines.harness import Harness, start

pytestmark = pytest.mark.integration
T0 = local(2026, 10, 9, 16)  # Fri; the 退单 window is the make-up Saturday 10-10


def filed(cid: str, unit: str, at=T0, category: str = "three_arbitrary") -> ComplaintFiled:
    return ComplaintFiled(
        complaint_id=cid, channel="hotline_12345", filed_at=at,
        complainant=Complainant(name="张三", phone="13800138000"), target_unit_id=unit,
        against_leadership=False, category=category, description="乱收费", routed_to=unit,
        dispatched_at=at)


def year_2027() -> Envelope:
    text_ = (HERE / "calendars" / "2027.yaml").read_text(encoding="utf-8")
    year = parse_year_file(text_.replace("draft: true", "draft: false"), origin="2027.yaml")
    return Envelope.wrap(event_from_year(year), key="2027", occurred_at=T0, producer="test",
                         event_id=year_event_id(year))


def env(payload: EventPayload, key: str) -> Envelope:
    return Envelope.wrap(payload, key=key, occurred_at=T0, producer="test")


def story() -> tuple[list[list[Envelope]], list[Envelope]]:
    """The batches, in log order, and the calendar event among them."""
    accepted_c2 = env(ComplaintAccepted(complaint_id="C-2", handling_unit_id="SCJ",
                                        accepted_at=local(2026, 10, 10, 10)), "C-2")
    m1 = dict(matter_id="M-1", unit_id="JYJ")
    first = [env(filed("C-0", "ZJJ"), "C-0"), env(filed("C-1", "ZJJ"), "C-1")]
    # No refusal in this one: it must go through as one batch.
    mixed = [
        env(filed("C-2", "SCJ", category="four_difficulties"), "C-2"),
        env(MatterAccepted(**m1, title="x", promised_working_days=5, accepted_at=T0,
                           handler_id="h"), "M-1"),
        env(ComplaintReturned(complaint_id="C-1", by_unit_id="ZJJ", returned_at=local(2026, 10, 10, 9),
                              dispatched_at=T0, reason="不属本单位职责", hop=1), "C-1"),
        accepted_c2,
        env(MatterPaused(**m1, reason="expert_review", paused_at=local(2026, 10, 12, 11)), "M-1"),
        env(ComplaintRedispatched(complaint_id="C-1", to_unit_id="SCJ",
                                  dispatched_at=local(2026, 10, 12, 10)), "C-1"),
        accepted_c2,  # redelivered within the batch: applied once
        env(MatterResumed(**m1, resumed_at=local(2026, 10, 13, 16)), "M-1"),
        env(ComplaintConcluded(complaint_id="C-2", handling_unit_id="SCJ", target_unit_id="SCJ",
                               concluded_at=local(2026, 10, 14, 9), substantiated=True,
                               findings="属实", category="four_difficulties"), "C-2"),
        env(MatterExtended(**m1, extra_working_days=3, approved_by="head", reason="核查",
                           extended_at=local(2026, 10, 14, 9)), "M-1"),
        env(MatterCompleted(**m1, completed_at=local(2026, 10, 20, 9)), "M-1"),
        # Provisional for 2027 (weekends only), then 2027 is loaded in the same batch.
        env(MatterAccepted(matter_id="M-27", unit_id="ZJJ", title="x", promised_working_days=5,
                           accepted_at=local(2026, 12, 29, 10), handler_id="h"), "M-27"),
        year_2027(),
        env(MatterAccepted(matter_id="M-28", unit_id="ZJJ", title="x", promised_working_days=1,
                           accepted_at=local(2026, 12, 31, 9), handler_id="h"), "M-28"),
    ]
    refused = [
        env(filed("C-3", "ZJJ"), "C-3"),
        env(filed("C-0", "ZJJ"), "C-0"),  # in the table, untouched by this batch
        env(filed("C-3", "ZJJ"), "C-3"),  # opened earlier in this batch
        env(ComplaintAccepted(complaint_id="C-404", handling_unit_id="ZJJ",
                              accepted_at=T0), "C-404"),
        env(ComplaintAccepted(complaint_id="C-3", handling_unit_id="ZJJ",
                              accepted_at=local(2026, 10, 10, 9)), "C-3"),
    ]
    # Nothing wrong until the end of the batch: the clock C-0 is in the table already.
    conflict = [
        env(filed("C-4", "ZJJ"), "C-4"),
        env(filed("C-0", "ZJJ"), "C-0"),
        env(ComplaintAccepted(complaint_id="C-4", handling_unit_id="ZJJ",
                              accepted_at=local(2026, 10, 10, 9)), "C-4"),
    ]
    calendar = [e for e in mixed if e.event_type == "calendar.year_loaded"]
    return [first, mixed, refused, conflict], calendar


def raw(h: Harness, envs: list[Envelope], calendar: list[Envelope]) -> list[RawMessage]:
    def topic(e: Envelope) -> str:
        if e in calendar:
            return h.topics.calendar
        return h.topics.matters if e.event_type.startswith("matter.") else h.topics.complaints
    return [RawMessage(topic(e), 0, i, e.key.encode(), e.to_bytes()) for i, e in enumerate(envs)]


async def snapshot(h: Harness) -> tuple[list, list]:
    async with h.engine.connect() as conn:
        rows = (await conn.execute(text(
            f'SELECT * FROM "{h.schema}".deadlines ORDER BY deadline_id'))).mappings().all()
        events = (await conn.execute(text(
            f'SELECT key, value FROM "{h.schema}".outbox ORDER BY id'))).all()
    table = [{k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rows]
    published = []
    for key, value in events:
        e = json.loads(value)
        published.append((key, e["event_type"], e["correlation_id"], e["causation_id"],
                          e["unit_id"], e["payload"]))
    return table, published


async def test_batches_give_what_one_at_a_time_gives(infra):
    batched, stop_batched = await start(infra, T0, n_pollers=0, with_relay=False)
    single, stop_single = await start(infra, T0, n_pollers=0, with_relay=False)
    try:
        batches, calendar = story()
        outcomes_batched, outcomes_single, in_batch = [], [], []

        async def recording(tx: Tx, e: Envelope) -> None:  # was it applied in a batch?
            in_batch[-1].append(tx.buffered)
            await batched.handler(tx, e)

        for envs in batches:
            in_batch.append([])
            outcomes_batched += await batched.pipeline.process_batch(
                raw(batched, envs, calendar), recording, prepare_batch)
            for msg in raw(single, envs, calendar):
                outcomes_single.append(await single.pipeline.process(msg, single.handler))

        assert outcomes_batched == outcomes_single == (
            ["applied"] * 2 + ["applied"] * 6 + ["duplicate"] + ["applied"] * 7
            + ["applied", "dead-lettered", "dead-lettered", "dead-lettered", "applied"]
            + ["applied", "dead-lettered", "applied"])
        # The mixed batch went through as one; the last two were redone one message at a time
        # (the third stopped at its second C-3, the fourth at the flush).
        assert in_batch[1] == [True] * 13
        assert in_batch[2] == [True] * 3 + [False] * 5
        assert in_batch[3] == [True] * 3 + [False] * 3
        table, published = await snapshot(batched)
        assert (table, published) == await snapshot(single)

        rows = {r["deadline_id"]: r for r in table}
        c1 = rows["complaint_acceptance:C-1"]
        assert (c1["unit_id"], c1["round"], c1["hops"], c1["status"]) == ("SCJ", 1, 1, "open")
        assert rows["complaint_conclusion:C-2"]["status"] == "met"
        assert rows["matter:M-1"]["status"] == "met"  # due 10-21: 5 wd, paused 10-13, + 3 wd
        m27 = rows["matter:M-27"]
        assert m27["provisional"] is False and "+county:2027@" in m27["calendar_version"]
        assert rows["matter:M-28"]["provisional"] is False
        # M-1 paused, resumed, extended; M-27 moved by the 2027 calendar.
        assert [p[1] for p in published].count("deadline.rescheduled") == 4
        # Two partitions: the dead letters of different keys come in no fixed order.
        letters = sorted((d["error_type"], d["error"]) for d in await batched.wait_dead_letters(4))
        assert letters == sorted((d["error_type"], d["error"])
                                 for d in await single.wait_dead_letters(4))
        assert [t for t, _ in letters] == ["already_scheduled"] * 3 + ["unknown_subject"]
    finally:
        await stop_batched()
        await stop_single()


async def test_a_batch_costs_a_fixed_number_of_statements(infra):
    h, stop = await start(infra, T0, n_pollers=0)
    engine = make_engine(infra.database_url)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda conn, cursor, sql, *rest: statements.append(sql))
    sessions = session_factory(engine)

    async def apply(envs: list[Envelope]) -> int:
        statements.clear()
        async with sessions() as session, session.begin():
            tx = Tx(session, h.schema, ManualClock(T0), buffered=True)
            await prepare_batch(tx, envs)
            for e in envs:
                await h.handler(tx, e)
            await tx.flush()
        return len(statements)

    try:
        await apply([env(filed("C-warm", "ZJJ"), "C-warm")])  # loads the calendar once
        five = await apply([env(filed(f"C-{i}", "ZJJ"), f"C-{i}") for i in range(5)])
        fifty = await apply([env(filed(f"C-{i}", "ZJJ"), f"C-{i}") for i in range(5, 55)])
        # The calendar check, the new deadlines, their DeadlineScheduled events.
        assert five == fifty == 3
        accepted = [env(ComplaintAccepted(complaint_id=f"C-{i}", handling_unit_id="ZJJ",
                                          accepted_at=local(2026, 10, 10, 9)), f"C-{i}")
                    for i in range(55)]
        # + the rows read at once; the changed rows in one UPDATE (acceptance met, 退单 closed).
        assert await apply(accepted[:5]) == await apply(accepted[5:]) == 4
        async with engine.connect() as conn:
            assert (await conn.execute(text(
                f'SELECT count(*) FROM "{h.schema}".deadlines'))).scalar_one() == 3 * 56
    finally:
        await engine.dispose()
        await stop()
