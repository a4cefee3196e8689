"""The Kafka doors: every door type republished as canonical events; redelivery and retries
give one event; invalid messages are dead-lettered with the reason and do not block."""

from __future__ import annotations

import pytest

from services.intake import examples
from services.intake.commands import COMMANDS
from tests.integration.intake.harness import uid

pytestmark = pytest.mark.integration


def msg(type_: str, data: dict, external_id: str | None = None, source: str = "gov-platform"):
    return {"type": type_, "source": source, "external_id": external_id or uid("x-"),
            "data": data}


async def test_every_door_type_is_republished_once(intake):
    for type_, data in examples.CASES:
        door = COMMANDS[type_].door
        if door is None:
            continue  # office decisions are HTTP only
        m = msg(type_, data)
        # Each message is delivered twice (a producer retry): one event all the same.
        await intake.door(door, m, m)
    t = intake.topics
    matter = await intake.wait_events(t.matters, 8, key=examples.MATTER)
    complaint = await intake.wait_events(t.complaints, 8, key=examples.COMPLAINT)
    await intake.wait_events(t.reports, 1)
    await intake.wait_events(t.inspections, 1)
    assert matter[3].event_type == "matter.one_time_notice_breached"
    assert complaint[-1].event_type == "complaint.reopened"
    # Nothing more arrives: flush a marker through the door and check the counts again.
    await intake.door("inspections", msg("inspection.finding_recorded", {
        **examples.example("inspection.finding_recorded"), "finding_id": "marker"}))
    await intake.wait_events(t.inspections, 1, key="marker")
    assert len(await intake.events(t.matters, examples.MATTER)) == 8
    assert len(await intake.events(t.complaints, examples.COMPLAINT)) == 8
    assert len(await intake.events(t.reports)) == 1


async def test_http_then_kafka_with_the_same_external_id_is_one_event(intake):
    cid = uid("C-")
    data = {**examples.example("complaint.filed"), "complaint_id": cid}
    r = await intake.post("/v1/complaints", data, **{"Idempotency-Key": "same-id-1"})
    assert r.status_code == 202
    # The same caller (source = its key's system) retries over Kafka with that id.
    await intake.door("complaints", msg("complaint.filed", data, "same-id-1", "test-system"),
                      msg("complaint.accepted", {"complaint_id": cid,
                                                 "accepted_at": "2026-05-13T10:00:00+08:00"}))
    evs = await intake.wait_events(intake.topics.complaints, 2, key=cid)
    assert [e.event_type for e in evs] == ["complaint.filed", "complaint.accepted"]


async def test_invalid_messages_are_dead_lettered_with_the_reason(intake):
    good = msg("inspection.finding_recorded", {
        **examples.example("inspection.finding_recorded"), "finding_id": "after-poison"})
    accepted = examples.example("matter.accepted")
    filed = examples.example("complaint.filed")
    await intake.door("matters",
                      b"{not json",
                      msg("matter.exploded", {}),
                      msg("complaint.accepted", {"complaint_id": "x", "accepted_at": "x"}),
                      msg("matter.accepted", {**accepted, "matter_id": uid(), "unit_id": "NOPE"}),
                      msg("matter.accepted", {**accepted, "matter_id": uid(),
                                              "handler_id": "nobody"}),
                      msg("matter.completed", {"matter_id": "never-accepted",
                                               "completed_at": "2026-05-12T10:00:00+08:00"}),
                      msg("matter.accepted", {**accepted, "matter_id": uid(),
                                              "accepted_at": "12/05/2026 09:30"}))
    no_target = {k: v for k, v in filed.items() if k != "target_unit_id"}
    await intake.door("complaints", msg("complaint.filed", {**no_target, "complaint_id": uid()}))
    await intake.door("inspections", good)
    await intake.wait_events(intake.topics.inspections, 1, key="after-poison")
    # Dead letters of different topics (and, in a batch, parse failures before rule failures)
    # need not arrive in send order: put them back in it by (door, offset).
    letters = sorted(await intake.dead_letters(8),
                     key=lambda d: (d["original_topic"] != intake.doors.matters, d["offset"]))
    reasons = [(d["error_type"], d["error"]) for d in letters]
    assert reasons[0][0] == "invalid_input" and "Invalid JSON" in reasons[0][1]
    assert reasons[1] == ("unknown_type", "type: unknown type 'matter.exploded'")
    assert reasons[2][0] == "wrong_door" and "complaints door" in reasons[2][1]
    assert reasons[3] == ("unknown_reference", "unit_id: unknown unit 'NOPE'")
    assert reasons[4] == ("unknown_reference", "handler_id: unknown person 'nobody'")
    assert reasons[5] == ("unknown_reference",
                          "matter_id: unknown matter (never accepted) 'never-accepted'")
    assert reasons[6][0] == "invalid_body" and reasons[6][1].startswith("accepted_at: ")
    assert reasons[7] == ("invalid_body", "target_unit_id: Field required")
    assert letters[3]["original_topic"] == intake.doors.matters
    assert letters[0]["value_text"] == "{not json"
    assert await intake.count("matters", "unit_id = 'NOPE'") == 0
