"""督办 rectification clocks, asked for and answered by accountability: fulfilled on time, late
after the red card, or withdrawn when the order no longer stands."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.events.deadlines import DeadlineFulfilled, DeadlineRequested, DeadlineWithdrawn
from tests.integration.deadlines.conftest import local
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
