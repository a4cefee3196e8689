"""The 2026→2027 boundary before and after the office loads a 2027 calendar: provisional
(weekends-only) first, then `cli calendar load` → calendar.year_loaded → the stored deadline is
recomputed, rescheduled, and fires on the new date. A bad file publishes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.deadlines import cli
from services.deadlines.settings import HERE
from shared.events.cases import MatterAccepted
from tests.integration.deadlines.conftest import at, end_of, local

pytestmark = pytest.mark.integration
TEMPLATE = HERE / "calendars" / "2027.yaml"


def reviewed_2027(tmp_path: Path) -> Path:
    path = tmp_path / "2027.yaml"
    path.write_text(TEMPLATE.read_text(encoding="utf-8").replace("draft: true", "draft: false"),
                    encoding="utf-8")
    return path


async def load(svc, path: Path) -> int:
    return await cli.run(["calendar", "load", str(path), "--bootstrap", svc.bootstrap,
                          "--topic", svc.topics.calendar])


async def test_year_boundary_before_and_after_loading_2027(svc, tmp_path, caplog):
    # Accepted Tue 2026-12-29, 5 working days. Without 2027 data: 12-30, 12-31, Fri 2027-01-01
    # (a guess: weekday = workday), Mon 01-04, Tue 01-05 → due 01-05, PROVISIONAL.
    svc.clock.set(local(2026, 12, 29, 10))
    accepted = await svc.send(svc.topics.matters, MatterAccepted(
        matter_id="M-27", unit_id="ZJJ", title="x", promised_working_days=5,
        accepted_at=local(2026, 12, 29, 10), handler_id="h"), key="M-27")
    [scheduled] = await svc.wait_events("deadline.scheduled", 1)
    [clock] = scheduled.payload["clocks"]
    assert clock["deadline"]["provisional"] is True
    assert at(clock["deadline"]["due_at"]) == end_of(2027, 1, 5)

    # Across the boundary on the provisional calendar: the 50 % card (2.5 days → 01-01 12:00).
    svc.clock.set(local(2027, 1, 1, 13))
    [half] = await svc.wait_events("deadline.warned", 1)
    assert half.payload["deadline"]["provisional"] is True

    # The office loads the (test-made, reviewed) 2027 notice: 01-01..01-03 are holidays.
    assert await load(svc, reviewed_2027(tmp_path)) == 0
    [moved] = await svc.wait_events("deadline.rescheduled", 1)
    facts = moved.payload["deadline"]
    assert moved.payload["reason"] == "calendar_loaded"
    assert at(moved.payload["previous_due_at"]) == end_of(2027, 1, 5)
    assert at(facts["due_at"]) == end_of(2027, 1, 6)  # 12-30, 12-31, 01-04, 05, 06
    assert facts["provisional"] is False
    assert "+county:2027@" in facts["calendar_version"]
    assert moved.correlation_id == accepted.correlation_id  # still the matter's story
    row = await svc.row("matter:M-27")
    assert row["calendar_version"] == facts["calendar_version"] and row["provisional"] is False

    # Loading the same file again is the same event (deterministic id): nothing moves twice.
    assert await load(svc, reviewed_2027(tmp_path)) == 0

    svc.clock.set(local(2027, 1, 6, 23, 59, 59))  # the old due date has passed: no red card
    await svc.settle()
    assert await svc.events("deadline.missed") == []
    assert len(await svc.events("deadline.rescheduled")) == 1
    # 50 % fired once on the provisional calendar and not again; 75 % and 1wd on the new one.
    assert [w.payload["warning"] for w in await svc.events("deadline.warned")] == ["50%", "75%", "1wd"]

    svc.clock.set(local(2027, 1, 7, 0, 0, 1))
    [missed] = await svc.wait_events("deadline.missed", 1)
    assert missed.payload["deadline"]["provisional"] is False

    # A deadline opened now uses 2027 data at once (no restart): Mon 01-04 + 1 wd = Tue 01-05.
    svc.clock.set(local(2027, 1, 4, 9))
    await svc.send(svc.topics.matters, MatterAccepted(
        matter_id="M-28", unit_id="ZJJ", title="x", promised_working_days=1,
        accepted_at=local(2026, 12, 31, 9), handler_id="h"), key="M-28")
    [new] = await svc.wait_events("deadline.scheduled", 1, deadline_id="matter:M-28")
    [clock] = new.payload["clocks"]
    assert clock["deadline"]["deadline_id"] == "matter:M-28"
    assert at(clock["deadline"]["due_at"]) == end_of(2027, 1, 4)
    assert clock["deadline"]["provisional"] is False


@pytest.mark.parametrize(("edit", "reason"), [
    (lambda t: t.replace("2027-01-02, name: 元旦", "2027-02-30, name: 元旦"),
     "'2027-02-30' in holidays is not a valid date"),
    (lambda t: t.replace("{date: 2027-02-20, name: 春节}", "{date: 2027-10-02, name: 国庆节}"),
     "2027-10-02 is listed as a make-up workday and also as a holiday"),
])
async def test_bad_year_file_is_refused_and_nothing_published(svc, tmp_path, capsys, edit, reason):
    path = reviewed_2027(tmp_path)
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert await load(svc, path) == 2
    err = capsys.readouterr().err
    assert reason in err and "line" in err
    consumer = AIOKafkaConsumer(bootstrap_servers=svc.bootstrap)
    await consumer.start()
    try:
        parts = [TopicPartition(svc.topics.calendar, p)
                 for p in consumer.partitions_for_topic(svc.topics.calendar) or {0}]
        assert sum((await consumer.end_offsets(parts)).values()) == 0
    finally:
        await consumer.stop()
