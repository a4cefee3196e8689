"""Refused commands: each goes to the dead-letter topic with a precise reason, and changes
nothing — no state, no event."""

from __future__ import annotations

import pytest

from shared.events.cases import (
    MatterAccepted,
    MatterCompleted,
    MatterExtended,
    MatterPaused,
    MatterResumed,
)
from shared.events.deadlines import DeadlineRequested
from tests.integration.deadlines.conftest import at, end_of, local

pytestmark = pytest.mark.integration
T = local(2026, 10, 12, 9)


def ext(days: int) -> MatterExtended:
    return MatterExtended(matter_id="M-5", unit_id="JYJ", extra_working_days=days,
                          approved_by="head", reason="需现场核查", extended_at=T)


async def test_each_refused_command_is_dead_lettered_and_changes_nothing(svc):
    svc.clock.set(T)
    m = svc.topics.matters
    await svc.send(m, MatterAccepted(matter_id="M-5", unit_id="JYJ", title="x",
                                     promised_working_days=5, accepted_at=T, handler_id="h"), key="M-5")
    await svc.send(m, ext(5), key="M-5")  # the one extension the quota allows
    await svc.wait_events("deadline.rescheduled", 1)
    before = await svc.row("matter:M-5")

    await svc.send(m, MatterPaused(matter_id="M-404", unit_id="JYJ", reason="hearing",
                                   paused_at=T), key="M-404")
    await svc.send(m, MatterResumed(matter_id="M-5", unit_id="JYJ", resumed_at=T), key="M-5")
    await svc.send(m, ext(3), key="M-5")
    await svc.send(svc.topics.deadline_requests, DeadlineRequested(
        kind="matter", subject_id="X-1", unit_id="JYJ", starts_at=T, working_days=3), key="X-1")
    letters = {d["error_type"]: d for d in await svc.wait_dead_letters(4)}  # 2 topics, 2 keys
    assert {d["consumer"] for d in letters.values()} == {"deadlines"}
    assert letters["unknown_subject"]["error"] == "no deadline matter:M-404: unknown subject"
    assert letters["not_paused"]["error"] == ("matter:M-5: resume without a pause: the clock is "
                                              "running")
    assert letters["extension_quota_exceeded"]["error"] == (
        "matter:M-5: matter allows 1 extension(s); 1 already granted")
    assert "cannot be requested" in letters["unknown_kind"]["error"]
    after = await svc.row("matter:M-5")
    assert after["state"] == before["state"] and after["updated_at"] == before["updated_at"]
    assert await svc.row("matter:M-404") is None

    # A pause of a closed deadline.
    await svc.send(m, MatterCompleted(matter_id="M-5", unit_id="JYJ", completed_at=T), key="M-5")
    await svc.wait_events("deadline.met", 1)
    closed = await svc.row("matter:M-5")
    await svc.send(m, MatterPaused(matter_id="M-5", unit_id="JYJ", reason="testing",
                                   paused_at=T), key="M-5")
    last = (await svc.wait_dead_letters(5))[4]
    assert last["error_type"] == "deadline_closed"
    assert last["error"] == "matter:M-5: cannot pause: deadline is met"
    assert (await svc.row("matter:M-5"))["updated_at"] == closed["updated_at"]
    await svc.settle()
    assert [e.event_type for e in await svc.events()] == [
        "deadline.scheduled", "deadline.rescheduled", "deadline.met"]


async def test_pause_and_resume_stop_the_clock(svc):
    # Accepted Mon 10-12, 3 wd: due Thu 10-15. Paused Tue 10-13 (counted), resumed Thu 10-15:
    # 10-14 and 10-15 are removed; 2 days remain → Fri 10-16, Mon 10-19.
    svc.clock.set(local(2026, 10, 12, 9))
    m = svc.topics.matters
    await svc.send(m, MatterAccepted(matter_id="M-6", unit_id="JYJ", title="x", handler_id="h",
                                     promised_working_days=3, accepted_at=local(2026, 10, 12, 9)),
                   key="M-6")
    await svc.send(m, MatterPaused(matter_id="M-6", unit_id="JYJ", reason="expert_review",
                                   paused_at=local(2026, 10, 13, 11)), key="M-6")
    [paused] = await svc.wait_events("deadline.rescheduled", 1)
    assert (paused.payload["reason"], paused.payload["clock_stopped"]) == ("paused", True)
    svc.clock.set(local(2026, 10, 16, 8))  # the old due date passed while paused: no card
    await svc.settle()
    assert await svc.events("deadline.missed") == []
    await svc.send(m, MatterResumed(matter_id="M-6", unit_id="JYJ",
                                    resumed_at=local(2026, 10, 15, 16)), key="M-6")
    resumed = (await svc.wait_events("deadline.rescheduled", 2))[1]
    assert resumed.payload["reason"] == "resumed"
    assert at(resumed.payload["previous_due_at"]) == end_of(2026, 10, 15)
    assert at(resumed.payload["deadline"]["due_at"]) == end_of(2026, 10, 19)
