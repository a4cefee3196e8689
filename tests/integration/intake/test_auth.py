"""HTTP door authentication: API keys, signatures, stale timestamps, replays."""

from __future__ import annotations

import json

import pytest

from services.intake import examples
from services.intake.auth import sign
from tests.integration.intake.harness import uid

pytestmark = pytest.mark.integration
PATH = "/v1/inspections/findings"


def finding() -> bytes:
    return json.dumps({**examples.example("inspection.finding_recorded"),
                       "finding_id": uid("F-")}).encode()


def signed(key: str, body: bytes, ts: int, path: str = PATH) -> dict:
    return {"X-Xn-Timestamp": str(ts), "X-Xn-Signature": sign(key, ts, path, body)}


@pytest.mark.parametrize("key,reason", [
    ("", "missing API key"), ("not-a-key", "malformed API key"),
    ("xn_deadbeef_secret", "unknown, revoked or wrong API key")])
async def test_missing_or_wrong_key_is_401(intake, key, reason):
    before = len(await intake.published())
    r = await intake.post(PATH, finding(), key=key)
    assert r.status_code == 401
    assert r.json()["errors"] == [{"field": "X-Api-Key", "reason": reason}]
    assert len(await intake.published()) == before


async def test_right_id_wrong_secret_is_401(intake):
    wrong = intake.key[:-4] + "AAAA"
    assert (await intake.post(PATH, finding(), key=wrong)).status_code == 401


async def test_auth_comes_before_parsing(intake):
    assert (await intake.post(PATH, b"{not json", key="")).status_code == 401


async def test_signed_request_accepted_and_its_replay_refused(intake):
    key = await intake.new_key("inspection-tool", require_signature=True)
    now = int(intake.clock.now().timestamp())
    body = finding()
    ok = await intake.post(PATH, body, key=key, **signed(key, body, now))
    assert ok.status_code == 202, ok.text
    replay = await intake.post(PATH, body, key=key, **signed(key, body, now))
    assert replay.status_code == 401 and "replayed" in replay.text


async def test_bad_signature_stale_timestamp_and_unsigned_are_refused(intake):
    key = await intake.new_key("inspection-tool", require_signature=True)
    now = int(intake.clock.now().timestamp())
    body = finding()
    other = finding()
    before = len(await intake.published())
    tampered = await intake.post(PATH, body, key=key, **signed(key, other, now))
    assert tampered.status_code == 401
    assert tampered.json()["errors"][0] == {"field": "X-Xn-Signature",
                                            "reason": "signature does not match the body"}
    stale = await intake.post(PATH, body, key=key, **signed(key, body, now - 301))
    assert stale.status_code == 401 and "stale" in stale.json()["errors"][0]["reason"]
    future = await intake.post(PATH, body, key=key, **signed(key, body, now + 400))
    assert future.status_code == 401
    unsigned = await intake.post(PATH, body, key=key)
    assert unsigned.status_code == 401 and unsigned.json()["errors"][0]["field"] == "X-Xn-Timestamp"
    other_path = await intake.post(PATH, body, key=key, **signed(key, body, now, "/v1/reports"))
    assert other_path.status_code == 401
    assert len(await intake.published()) == before


async def test_optional_signature_is_checked_when_present(intake):
    body = finding()
    now = int(intake.clock.now().timestamp())
    bad = {"X-Xn-Timestamp": str(now), "X-Xn-Signature": "sha256=00"}
    assert (await intake.post(PATH, body, **bad)).status_code == 401
    assert (await intake.post(PATH, body, **signed(intake.key, body, now))).status_code == 202


async def test_the_callers_system_is_the_source(intake):
    key = await intake.new_key("12345-hotline")
    body = {**examples.example("complaint.filed"), "complaint_id": uid("C-")}
    r = await intake.post("/v1/complaints", body, key=key)
    assert r.json()["source"] == "12345-hotline"
