"""A matter's clock over the real broker and database, moved with a ManualClock across a
weekend, the National Day holiday and a make-up Saturday; yellow cards, then the red card
exactly once, then met late with its lateness."""

from __future__ import annotations

import pytest

from shared.events.cases import MatterAccepted, MatterCompleted
from tests.integration.deadlines.conftest import at, end_of, local

pytestmark = pytest.mark.integration


async def test_matter_across_national_day_yellow_red_once_then_met_late(svc):
    # Accepted Tue 09-29: day 1 = Wed 09-30; 10-01..10-07 off (National Day); Thu 10-08 = 2,
    # Fri 10-09 = 3, make-up Sat 10-10 = 4, Sun 10-11 off, Mon 10-12 = 5 → due 10-12 23:59:59.999.
    svc.clock.set(local(2026, 9, 29, 10))
    accepted = await svc.send(svc.topics.matters, MatterAccepted(
        matter_id="M-1", unit_id="JYJ", title="建筑工程施工许可", promised_working_days=5,
        accepted_at=local(2026, 9, 29, 10), handler_id="p-handler", reviewer_id="p-rev",
        approver_id="p-app"), key="M-1")
    [scheduled] = await svc.wait_events("deadline.scheduled", 1)
    assert scheduled.schema_version == 2
    [clock] = scheduled.payload["clocks"]  # a matter opens one clock
    assert at(clock["starts_at"]) == local(2026, 9, 29, 10)
    facts = clock["deadline"]
    assert facts["deadline_id"] == "matter:M-1"
    assert facts["due_at"] == local(2026, 10, 12, 23, 59, 59).replace(microsecond=999000).isoformat()
    assert facts["responsible"] == {"handler_id": "p-handler", "reviewer_id": "p-rev",
                                    "approver_id": "p-app"}
    assert facts["provisional"] is False and facts["calendar_version"] == "cc-1.11.0"
    assert scheduled.correlation_id == accepted.correlation_id
    assert scheduled.key == "M-1"

    # The holiday week: 50 % of 5 counted days = 2.5 days → Fri 10-09 12:00, not during 10-01..07.
    svc.clock.set(local(2026, 10, 7, 23))
    await svc.settle()
    assert await svc.events("deadline.warned") == []
    svc.clock.set(local(2026, 10, 9, 12, 0, 1))
    [half] = await svc.wait_events("deadline.warned", 1)
    assert half.payload["warning"] == "50%"
    assert half.payload["remaining_working_days"] == 3  # Fri, make-up Sat, Mon
    assert half.correlation_id == accepted.correlation_id
    assert half.causation_id == accepted.event_id

    # 75 % = 3.75 days → the make-up Saturday 10-10 at 18:00; then 1 working day before: Mon 00:00.
    svc.clock.set(local(2026, 10, 10, 18, 0, 1))
    await svc.wait_events("deadline.warned", 2)
    svc.clock.set(local(2026, 10, 12, 0, 0, 1))
    warned = await svc.wait_events("deadline.warned", 3)
    assert [w.payload["warning"] for w in warned] == ["50%", "75%", "1wd"]
    assert (await svc.row("matter:M-1"))["card"] == "yellow"

    svc.clock.set(local(2026, 10, 12, 23, 59, 59))  # the last second of the due day
    await svc.settle()
    assert await svc.events("deadline.missed") == []

    svc.clock.set(local(2026, 10, 13, 0, 0, 1))
    [missed] = await svc.wait_events("deadline.missed", 1)
    assert missed.payload["missed_at"] == local(2026, 10, 13).isoformat()
    assert missed.correlation_id == accepted.correlation_id
    svc.clock.set(local(2026, 10, 13, 9))
    await svc.settle()
    assert len(await svc.events("deadline.missed")) == 1  # exactly once, however often it polls
    row = await svc.row("matter:M-1")
    assert (row["card"], row["status"], row["next_fire_at"]) == ("red", "open", None)

    # Completed Wed 10-14: late by Tue 10-13 and Wed 10-14 = 2 working days.
    await svc.send(svc.topics.matters, MatterCompleted(
        matter_id="M-1", unit_id="JYJ", completed_at=local(2026, 10, 14, 15)), key="M-1")
    [met] = await svc.wait_events("deadline.met", 1)
    assert (met.payload["late"], met.payload["lateness_working_days"]) == (True, 2)
    assert (await svc.row("matter:M-1"))["status"] == "missed"


async def test_met_on_time_fires_nothing_after(svc):
    svc.clock.set(local(2026, 10, 9, 9))  # Fri; day 1 = make-up Sat 10-10, day 2 = Mon 10-12
    await svc.send(svc.topics.matters, MatterAccepted(
        matter_id="M-2", unit_id="JYJ", title="x", promised_working_days=2,
        accepted_at=local(2026, 10, 9, 9), handler_id="h"), key="M-2")
    [scheduled] = await svc.wait_events("deadline.scheduled", 1)
    [clock] = scheduled.payload["clocks"]
    assert at(clock["deadline"]["due_at"]) == end_of(2026, 10, 12)
    await svc.send(svc.topics.matters, MatterCompleted(
        matter_id="M-2", unit_id="JYJ", completed_at=local(2026, 10, 12, 17)), key="M-2")
    [met] = await svc.wait_events("deadline.met", 1)
    assert (met.payload["late"], met.payload["lateness_working_days"]) == (False, 0)
    svc.clock.set(local(2026, 10, 20))
    await svc.settle()
    assert await svc.events("deadline.missed") == []
    assert await svc.events("deadline.warned") == []
