"""rectification.completed through both doors: published once on the office topic keyed by the
measure, refused precisely (422 on HTTP, a dead letter on Kafka) and then changing nothing."""

from __future__ import annotations

import uuid

import pytest

from services.intake import examples
from tests.integration.intake.harness import uid
from tests.integration.intake.test_kafka_door import msg

pytestmark = pytest.mark.integration
PATH = "/v1/office/rectifications"
GOOD = examples.example("rectification.completed")


def body(**change) -> dict:
    return {**GOOD, "measure_id": str(uuid.uuid4()), **change}


async def test_http_report_is_published_once_on_the_office_topic(intake):
    data = body()
    mid = data["measure_id"]
    r = await intake.post(PATH, data)
    assert r.status_code == 202, r.text
    [ev] = r.json()["events"]
    assert ev["event_type"] == "rectification.completed" and ev["key"] == mid
    assert ev["topic"] == intake.topics.office
    again = await intake.post(PATH, data)  # a retry without a key: the body identifies it
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["events"] == r.json()["events"]
    [env] = await intake.wait_events(intake.topics.office, 1, key=mid)
    assert env.payload == {**data, "measure_id": mid}
    assert env.unit_id == "CGZ" and str(env.event_id) == ev["event_id"]


@pytest.mark.parametrize("change,field,reason", [
    ({"unit_id": "NOPE"}, "unit_id", "unknown unit 'NOPE'"),
    ({"measure_id": "M-2026-0042"}, "measure_id", "Input should be a valid UUID"),
    ({"rectified_at": "2026-05-28T17:00:00"}, "rectified_at", "Input should have timezone info"),
    ({"report": ""}, "report", "String should have at least 1 character"),
    ({"confirmed_by": ""}, "confirmed_by", "String should have at least 1 character"),
], ids=["unknown unit", "measure id not a UUID", "no offset", "empty report", "no confirmer"])
async def test_bad_reports_are_422_naming_the_field_and_change_nothing(intake, change, field,
                                                                        reason):
    before = len(await intake.published())
    r = await intake.post(PATH, body(**change))
    assert r.status_code == 422, r.text
    err = r.json()["errors"][0]
    assert err["field"] == field and reason in err["reason"], err
    assert len(await intake.published()) == before
    assert await intake.count("requests", "status = 0") == 0


async def test_the_inspection_platform_door_takes_it_and_dead_letters_what_does_not_fit(intake):
    data = body()
    mid = data["measure_id"]
    good = msg("rectification.completed", data, uid("dc-"), "ducha-platform")
    await intake.door("inspections", good, good,  # redelivered: one event
                      msg("rectification.completed", body(unit_id="NOPE")),
                      msg("rectification.completed", body(measure_id="x")))
    await intake.door("matters", msg("rectification.completed", body()))
    letters = await intake.dead_letters(3)
    reasons = sorted((d["error_type"], d["error"]) for d in letters)
    assert reasons[0][0] == "invalid_body"
    assert reasons[0][1].startswith("measure_id: Input should be a valid UUID")
    assert reasons[1] == ("unknown_reference", "unit_id: unknown unit 'NOPE'")
    assert reasons[2][0] == "wrong_door" and "inspections door" in reasons[2][1]
    # A marker behind the redelivery on the same door: when it is out, the duplicate was handled.
    marker = body()
    await intake.door("inspections", msg("rectification.completed", marker))
    await intake.wait_events(intake.topics.office, 1, key=marker["measure_id"])
    assert len(await intake.events(intake.topics.office, mid)) == 1
    assert [e.key for e in await intake.events(intake.topics.office)
            if e.event_type == "rectification.completed"
            and e.payload["unit_id"] == "NOPE"] == []
