"""督办 rectification clocks, asked for and answered by accountability: fulfilled on time, late
after the red card, withdrawn when the order no longer stands, or requested again after a
withdrawal (a new round)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.deadlines.codec import card_event_id
from services.deadlines.handlers import prepare_batch
from shared.envelope import Envelope
from shared.events.deadlines import DeadlineFulfilled, DeadlineRequested, DeadlineWithdrawn
from shared.messaging.deadletter import RawMessage
from tests.integration.deadlines.conftest import at, end_of, local
from tests.integration.deadlines.harness import start
from tests.integration.deadlines.test_deadlines_batch import snapshot
from tests.support.kafka import publish
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
T = local(2026, 10, 12, 9)  # a Monday; 10 working days later is Monday 26 October
AFTER_DUE = local(2026, 11, 2, 9)


async def request(svc, measure: str) -> str:
    await svc.send(svc.topics.deadline_requests, DeadlineRequested(
        kind="rectification", subject_id=measure, unit_id="JYJ", person_id="p-1", starts_at=T,
        working_days=10), key=measure)
    did = f"rectification:{measure}"
    await svc.wait_events("deadline.scheduled", 1, deadline_id=did)
    return did


async def fulfil(svc, measure: str, at) -> None:
    """The requester reports the measure's rectification done at `at`."""
    await svc.send(svc.topics.deadline_requests, DeadlineFulfilled(
        kind="rectification", subject_id=measure, unit_id="JYJ", fulfilled_at=at), key=measure)


async def test_a_rectification_on_time_closes_the_clock_and_no_card_follows(svc):
    svc.clock.set(T)
    did = await request(svc, "m-on-time")
    await fulfil(svc, "m-on-time", T + timedelta(days=6))
    [met] = await svc.wait_events("deadline.met", 1, deadline_id=did)
    assert met.payload["late"] is False and met.payload["deadline"]["kind"] == "rectification"
    assert (await svc.row(did))["status"] == "met"
    svc.clock.set(AFTER_DUE)
    await svc.settle()
    assert not [e for e in await svc.events("deadline.missed")
                if e.payload["deadline"]["deadline_id"] == did]


async def test_a_rectification_after_the_red_card_still_closes_the_clock_as_late(svc):
    svc.clock.set(T)
    did = await request(svc, "m-late")
    svc.clock.set(AFTER_DUE)
    await svc.wait_events("deadline.missed", 1, deadline_id=did)
    await fulfil(svc, "m-late", local(2026, 10, 28, 16))
    [met] = await svc.wait_events("deadline.met", 1, deadline_id=did)
    # Two working days after the due date: accountability keys the late completion like the red
    # card (deadline:<id>), so the lapse stays one 执行落实 fault.
    assert met.payload["late"] is True and met.payload["lateness_working_days"] == 2
    row = await svc.row(did)
    assert (row["status"], row["card"]) == ("missed", "red")


async def test_a_withdrawn_clock_ends_without_a_card(svc):
    svc.clock.set(T)
    did = await request(svc, "m-revoked")
    await svc.send(svc.topics.deadline_requests, DeadlineWithdrawn(
        kind="rectification", subject_id="m-revoked", unit_id="JYJ",
        withdrawn_at=T + timedelta(days=3), reason="the measure was revoked on appeal"),
        key="m-revoked")

    async def withdrawn():
        return (await svc.row(did))["status"] == "withdrawn"
    await wait_for(withdrawn, what="clock withdrawn")
    svc.clock.set(AFTER_DUE)
    await svc.settle()
    mine = [e for e in await svc.events() if e.event_type in ("deadline.warned", "deadline.missed",
                                                              "deadline.met")
            and e.payload["deadline"]["deadline_id"] == did]
    assert mine == []
    assert (await svc.row(did))["card"] == "none"


async def test_withdrawing_a_clock_already_met_changes_nothing_and_unknown_ones_are_refused(svc):
    svc.clock.set(T)
    did = await request(svc, "m-done")
    await fulfil(svc, "m-done", T + timedelta(days=1))
    await svc.wait_events("deadline.met", 1, deadline_id=did)
    met = await svc.row(did)
    await svc.send(svc.topics.deadline_requests, DeadlineWithdrawn(
        kind="rectification", subject_id="m-done", unit_id="JYJ",
        withdrawn_at=T + timedelta(days=2), reason="the measure was revoked on appeal"),
        key="m-done")
    # Same key, same partition: once the refusal behind it is dead-lettered, both were handled.
    await svc.send(svc.topics.deadline_requests, DeadlineWithdrawn(
        kind="rectification", subject_id="m-never", unit_id="JYJ",
        withdrawn_at=T, reason="x"), key="m-done")
    [letter] = await svc.wait_dead_letters(1)
    assert letter["error_type"] == "unknown_subject"
    assert letter["error"] == "no deadline rectification:m-never: unknown subject"
    after = await svc.row(did)
    assert after["status"] == "met" and after["updated_at"] == met["updated_at"]


def requested(measure: str, starts_at) -> DeadlineRequested:
    return DeadlineRequested(kind="rectification", subject_id=measure, unit_id="JYJ",
                             person_id="p-1", starts_at=starts_at, working_days=10)


def withdrawal(measure: str, at) -> DeadlineWithdrawn:
    return DeadlineWithdrawn(kind="rectification", subject_id=measure, unit_id="JYJ",
                             withdrawn_at=at, reason="the measure was escalated to admonition")


AGAIN = local(2026, 10, 19, 9)  # ordered again, a Monday: due Monday 2 November (10 wd)


async def test_a_clock_withdrawn_and_requested_again_runs_a_new_round(svc):
    """A 督办 withdrawn (recounted to 效能告诫) and ordered again (the recount undone): the new
    request, of a new event id, restarts the clock from the new order, with its own cards."""
    svc.clock.set(T)
    did = await request(svc, "m-again")
    await svc.send(svc.topics.deadline_requests, withdrawal("m-again", T + timedelta(days=2)),
                   key="m-again")

    async def withdrawn():
        return (await svc.row(did))["status"] == "withdrawn"
    await wait_for(withdrawn, what="clock withdrawn")

    svc.clock.set(AGAIN)
    again = await svc.send(svc.topics.deadline_requests, requested("m-again", AGAIN),
                           key="m-again")
    [_, scheduled] = await svc.wait_events("deadline.scheduled", 2, deadline_id=did)
    [clock] = scheduled.payload["clocks"]
    assert at(clock["starts_at"]) == AGAIN
    assert at(clock["deadline"]["due_at"]) == end_of(2026, 11, 2)
    assert scheduled.causation_id == again.event_id

    # The same request redelivered: dropped (inbox). Another one while the round is open:
    # refused. Same key, so once the refusal is dead-lettered both were handled.
    await publish(svc.bootstrap, svc.topics.deadline_requests, again.to_bytes(),
                  key=b"m-again")
    await svc.send(svc.topics.deadline_requests, requested("m-again", AGAIN + timedelta(hours=1)),
                   key="m-again")
    [letter] = await svc.wait_dead_letters(1)
    assert letter["error_type"] == "already_scheduled"
    assert len(await svc.events("deadline.scheduled")) == 2
    row = await svc.row(did)
    assert (row["status"], row["round"], row["origin_event_id"]) == ("open", 1, again.event_id)

    # Past the first round's due date (26 October): nothing, that round was withdrawn. Past the
    # new one's: the red card, once, as the new round's.
    svc.clock.set(local(2026, 10, 28, 9))
    await svc.settle()
    assert await svc.events("deadline.missed") == []
    svc.clock.set(local(2026, 11, 3, 9))
    [missed] = await svc.wait_events("deadline.missed", 1, deadline_id=did)
    assert missed.event_id == card_event_id(did, 1, "overdue")
    assert missed.causation_id == again.event_id
    await svc.settle()
    assert len(await svc.events("deadline.missed")) == 1
    assert (await svc.row(did))["card"] == "red"


async def test_a_new_round_in_a_batch_gives_what_one_at_a_time_gives(infra):
    """Requested, withdrawn, requested again, that request redelivered and one more while the
    round is open, all in one batch: the same rows, events and refusal as one at a time."""
    batched, stop_batched = await start(infra, T, n_pollers=0, with_relay=False)
    single, stop_single = await start(infra, T, n_pollers=0, with_relay=False)

    def env(payload) -> Envelope:
        return Envelope.wrap(payload, key="m-batch", occurred_at=T, producer="test")

    again = env(requested("m-batch", AGAIN))
    envs = [env(requested("m-batch", T)), env(withdrawal("m-batch", T + timedelta(days=2))),
            again, again, env(requested("m-batch", AGAIN + timedelta(hours=1)))]
    try:
        outcomes = {}
        for h in (batched, single):
            msgs = [RawMessage(h.topics.deadline_requests, 0, i, b"m-batch", e.to_bytes())
                    for i, e in enumerate(envs)]
            outcomes[h.schema] = (
                await h.pipeline.process_batch(msgs, h.handler, prepare_batch)
                if h is batched else [await h.pipeline.process(m, h.handler) for m in msgs])
        assert outcomes[batched.schema] == outcomes[single.schema] == (
            ["applied"] * 3 + ["duplicate", "dead-lettered"])
        assert await snapshot(batched) == await snapshot(single)
        [row], published = await snapshot(batched)
        assert (row["status"], row["round"], row["origin_event_id"]) == ("open", 1, again.event_id)
        assert [p[1] for p in published] == ["deadline.scheduled"] * 2
        assert at(published[1][5]["clocks"][0]["starts_at"]) == AGAIN
    finally:
        await stop_batched()
        await stop_single()
