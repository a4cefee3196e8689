"""Retries are safe: the same request twice gives the same answer and one event."""

from __future__ import annotations

import asyncio

import pytest

from services.intake import examples
from tests.integration.intake.harness import uid

pytestmark = pytest.mark.integration


def filed(cid: str) -> dict:
    return {**examples.example("complaint.filed"), "complaint_id": cid}


async def test_same_idempotency_key_gives_the_same_answer_and_one_event(intake):
    cid = uid("C-")
    first = await intake.post("/v1/complaints", filed(cid), **{"Idempotency-Key": "k-" + cid})
    again = await intake.post("/v1/complaints", filed(cid), **{"Idempotency-Key": "k-" + cid})
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    supp = {"complaint_id": cid, "accepted_at": "2026-05-13T09:00:00+08:00"}
    # Without a key, a lifecycle step is identified by its content: a retry is a retry.
    a1 = await intake.post("/v1/complaints/accepted", supp)
    a2 = await intake.post("/v1/complaints/accepted", supp)
    assert a1.json() == a2.json() and a1.status_code == 202
    await intake.post("/v1/complaints/rated", {"complaint_id": cid, "rating": "satisfied",
                                               "rated_at": "2026-05-14T09:00:00+08:00"})
    evs = await intake.wait_events(intake.topics.complaints, 2, key=cid)
    await asyncio.sleep(0)  # the rating was refused (not concluded): nothing more to wait for
    assert [e.event_type for e in evs] == ["complaint.filed", "complaint.accepted"]
    assert len(await intake.published(cid)) == 2


async def test_without_a_key_the_facts_own_id_makes_the_retry_safe(intake):
    cid = uid("C-")
    a, b = await intake.post("/v1/complaints", filed(cid)), await intake.post("/v1/complaints", filed(cid))
    assert a.status_code == b.status_code == 202 and a.json() == b.json()
    assert len(await intake.published(cid)) == 1


async def test_a_reused_key_with_a_different_body_is_refused(intake):
    cid = uid("C-")
    await intake.post("/v1/complaints", filed(cid), **{"Idempotency-Key": "reuse-" + cid})
    r = await intake.post("/v1/complaints", filed(uid("C-")), **{"Idempotency-Key": "reuse-" + cid})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "idempotency_key"


async def test_concurrent_duplicates_publish_once(intake):
    cid = uid("C-")
    answers = await asyncio.gather(*[
        intake.post("/v1/complaints", filed(cid), **{"Idempotency-Key": "par-" + cid})
        for _ in range(5)])
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    assert len(await intake.published(cid)) == 1


async def test_second_supplement_request_with_new_content_is_a_breach_not_a_retry(intake):
    mid = uid("M-")
    await intake.post("/v1/matters/accepted", {**examples.example("matter.accepted"),
                                               "matter_id": mid})
    first = {"matter_id": mid, "requested_at": "2026-05-12T10:00:00+08:00",
             "missing_documents": ["a"]}
    await intake.post("/v1/matters/supplement-requested", first)
    await intake.post("/v1/matters/supplement-requested", first)  # a retry: nothing new
    r = await intake.post("/v1/matters/supplement-requested",
                          {**first, "requested_at": "2026-05-13T10:00:00+08:00"})
    assert [e["event_type"] for e in r.json()["events"]] == [
        "matter.supplement_requested", "matter.one_time_notice_breached"]
    evs = await intake.wait_events(intake.topics.matters, 4, key=mid)
    assert [e.payload.get("request_number") for e in evs] == [None, 1, 2, 2]


async def test_a_request_that_lost_a_race_is_told_to_retry_and_the_retry_gets_the_answer(
        intake, monkeypatch):
    """The unique constraint stops the second of two racing creations of one case. That is not
    a conflict with the case's state: the caller gets its own code and Retry-After, and the
    retry is answered from the winner's record."""
    from sqlalchemy.exc import IntegrityError

    from services.intake import http_api
    cid = uid("C-")
    first = await intake.post("/v1/complaints", filed(cid), **{"Idempotency-Key": "race-" + cid})
    real_apply = http_api.apply

    async def lose_the_race(*args, **kwargs):
        monkeypatch.setattr(http_api, "apply", real_apply)  # once
        raise IntegrityError("INSERT", {}, Exception("duplicate key value"))

    monkeypatch.setattr(http_api, "apply", lose_the_race)
    lost = await intake.post("/v1/complaints", filed(cid), **{"Idempotency-Key": "race-" + cid})
    assert lost.status_code == 409 and lost.headers["Retry-After"] == "1"
    assert lost.json()["error"] == "concurrent_request"
    retried = await intake.post("/v1/complaints", filed(cid), **{"Idempotency-Key": "race-" + cid})
    assert retried.status_code == 202 and retried.json() == first.json()
    assert len(await intake.published(cid)) == 1
