"""Bad input gets a precise 4xx naming the field, is logged with personal data masked, and
changes nothing."""

from __future__ import annotations

import logging

import pytest

from services.intake import examples
from tests.integration.intake.harness import uid

pytestmark = pytest.mark.integration
FILED = examples.example("complaint.filed")
ACCEPTED = examples.example("matter.accepted")


def without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


CASES = [
    ("unknown unit", "/v1/matters/accepted", lambda: {**ACCEPTED, "matter_id": uid(),
                                                      "unit_id": "NOPE"},
     422, "unit_id", "unknown unit 'NOPE'"),
    ("unknown person", "/v1/matters/accepted", lambda: {**ACCEPTED, "matter_id": uid(),
                                                        "approver_id": "ghost"},
     422, "approver_id", "unknown person 'ghost'"),
    ("complaint without target", "/v1/complaints",
     lambda: {**without(FILED, "target_unit_id"), "complaint_id": uid()},
     422, "target_unit_id", "Field required"),
    ("complaint against an unknown unit", "/v1/complaints",
     lambda: {**FILED, "complaint_id": uid(), "target_unit_id": "XX"},
     422, "target_unit_id", "unknown unit 'XX'"),
    ("completed before accepted", "/v1/matters/completed",
     lambda: {"matter_id": uid("M-"), "completed_at": "2026-05-12T10:00:00+08:00"},
     422, "matter_id", "unknown matter (never accepted)"),
    ("wrong date format", "/v1/matters/accepted",
     lambda: {**ACCEPTED, "matter_id": uid(), "accepted_at": "2026/05/11 09:30"},
     422, "accepted_at", "Input should be a valid datetime"),
    ("date without offset", "/v1/matters/accepted",
     lambda: {**ACCEPTED, "matter_id": uid(), "accepted_at": "2026-05-11T09:30:00"},
     422, "accepted_at", "Input should have timezone info"),
    ("misspelt field", "/v1/complaints", lambda: {**FILED, "complaint_id": uid(), "catgory": "x"},
     422, "catgory", "Extra inputs are not permitted"),
    ("return without reason", "/v1/complaints/returned",
     lambda: {"complaint_id": "x", "returned_at": "2026-05-12T10:00:00+08:00", "reason": ""},
     422, "reason", "String should have at least 1 character"),
    ("unknown complaint", "/v1/complaints/accepted",
     lambda: {"complaint_id": "nope", "accepted_at": "2026-05-12T10:00:00+08:00"},
     422, "complaint_id", "unknown complaint 'nope'"),
]


@pytest.mark.parametrize("name,path,body,status,field,reason", CASES, ids=[c[0] for c in CASES])
async def test_bad_input_is_refused_precisely_and_changes_nothing(intake, name, path, body,
                                                                  status, field, reason):
    before = len(await intake.published())
    r = await intake.post(path, body())
    assert r.status_code == status, r.text
    err = r.json()["errors"][0]
    assert err["field"] == field and reason in err["reason"], err
    assert len(await intake.published()) == before
    assert await intake.count("requests", "status = 0") == 0  # no half-claimed request left


@pytest.mark.parametrize("raw,reason", [(b"{not json", "not a JSON object"),
                                        (b"[1, 2]", "must be a JSON object"),
                                        (b"", "not a JSON object")])
async def test_a_body_that_is_not_a_json_object_is_400(intake, raw, reason):
    r = await intake.post("/v1/complaints", raw)
    assert r.status_code == 400 and reason in r.json()["errors"][0]["reason"]


async def test_state_conflicts_are_409(intake):
    mid = uid("M-")
    body = {**ACCEPTED, "matter_id": mid}
    assert (await intake.post("/v1/matters/accepted", body, **{"Idempotency-Key": "a"})).status_code == 202
    again = await intake.post("/v1/matters/accepted", body, **{"Idempotency-Key": "b"})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "matter_id"
    done = {"matter_id": mid, "completed_at": "2026-05-15T10:00:00+08:00"}
    assert (await intake.post("/v1/matters/completed", done)).status_code == 202
    twice = await intake.post("/v1/matters/completed", {**done, "completed_at":
                                                         "2026-05-16T10:00:00+08:00"})
    assert twice.status_code == 409 and "already completed" in twice.text
    resume = await intake.post("/v1/matters/resumed", {"matter_id": mid,
                                                       "resumed_at": "2026-05-16T10:00:00+08:00"})
    assert resume.status_code == 409


async def test_refusals_are_logged_with_personal_data_masked(intake, caplog):
    body = {**FILED, "complaint_id": uid(), "target_unit_id": "NOPE",
            "complainant": {"name": "赵先生", "phone": "13700001111", "email": "zhao@example.com"}}
    with caplog.at_level(logging.WARNING):
        r = await intake.post("/v1/complaints", body)
    assert r.status_code == 422
    logged = " ".join(str(rec.msg) for rec in caplog.records if rec.name.startswith("services"))
    assert "request refused" in logged and "unknown unit 'NOPE'" in logged
    assert "137****1111" in logged and "z***@example.com" in logged
    assert "13700001111" not in logged and "zhao@example.com" not in logged
