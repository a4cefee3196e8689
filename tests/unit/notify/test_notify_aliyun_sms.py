"""AliyunSmsChannel against a local HTTP stub: request shape, signature, and outcome mapping."""

from __future__ import annotations

import json

import httpx
import pytest

from services.notify.channels import (
    AliyunSmsChannel,
    AliyunSmsSettings,
    DeliveryOutcome,
    OutgoingSms,
    classify_response,
)
from tests.unit.notify.sms_stub import signature_ok

SECRET = "stub-secret"


def channel_for(stub, timeout: float = 5.0) -> tuple[AliyunSmsChannel, httpx.AsyncClient]:
    settings = AliyunSmsSettings(
        access_key_id="stub-id",
        access_key_secret=SECRET,
        sign_name="县效能办",
        template_codes={"deadline_warning": "SMS_000001"},
        endpoint=stub.url,
        timeout_seconds=timeout,
    )
    client = httpx.AsyncClient()
    return AliyunSmsChannel(settings, client), client


def warning_sms(notice_id: str = "n-1") -> OutgoingSms:
    return OutgoingSms(
        notice_id=notice_id,
        kind="deadline_warning",
        phone="13800000000",
        text="【县效能办】张华同志：……现予黄牌预警。",
        template_params={"name": "张华", "deadline": "2026年5月15日 17:30"},
    )


async def send_once(stub, message: OutgoingSms | None = None, timeout: float = 5.0):
    channel, client = channel_for(stub, timeout)
    async with client:
        return await channel.send(message or warning_sms())


async def test_ok_is_sent_with_bizid_and_a_valid_signature(sms_stub) -> None:
    result = await send_once(sms_stub)
    assert result.outcome is DeliveryOutcome.SENT
    assert result.provider_message_id == "900619746936498440^0"
    [form] = sms_stub.requests
    assert form["Action"] == "SendSms" and form["SignName"] == "县效能办"
    assert form["TemplateCode"] == "SMS_000001" and form["OutId"] == "n-1"
    assert json.loads(form["TemplateParam"]) == {"name": "张华", "deadline": "2026年5月15日 17:30"}
    assert signature_ok(form, SECRET)


async def test_invalid_number_is_permanent(sms_stub) -> None:
    sms_stub.fail_times(1, code="isv.MOBILE_NUMBER_ILLEGAL")
    result = await send_once(sms_stub)
    assert result.outcome is DeliveryOutcome.PERMANENT_FAILURE
    assert "isv.MOBILE_NUMBER_ILLEGAL" in result.reason


async def test_business_limit_then_ok_fails_transiently_n_times(sms_stub) -> None:
    sms_stub.fail_times(2, code="isv.BUSINESS_LIMIT_CONTROL")
    channel, client = channel_for(sms_stub)
    async with client:
        outcomes = [(await channel.send(warning_sms())).outcome for _ in range(3)]
    assert outcomes == [
        DeliveryOutcome.TRANSIENT_FAILURE,
        DeliveryOutcome.TRANSIENT_FAILURE,
        DeliveryOutcome.SENT,
    ]
    nonces = {form["SignatureNonce"] for form in sms_stub.requests}
    assert len(nonces) == 3  # a retry must not reuse the nonce


async def test_http_5xx_is_transient(sms_stub) -> None:
    sms_stub.replies.append((503, b"<html>Service Unavailable</html>"))
    result = await send_once(sms_stub)
    assert result.outcome is DeliveryOutcome.TRANSIENT_FAILURE
    assert "503" in result.reason


async def test_timeout_is_transient(sms_stub) -> None:
    sms_stub.delay_seconds = 1.0
    result = await send_once(sms_stub, timeout=0.2)
    assert result.outcome is DeliveryOutcome.TRANSIENT_FAILURE
    assert "timed out" in result.reason


async def test_unknown_kind_is_refused_without_a_request(sms_stub) -> None:
    message = OutgoingSms(notice_id="n-2", kind="appeal_outcome", phone="13800000000", text="x")
    result = await send_once(sms_stub, message)
    assert result.outcome is DeliveryOutcome.PERMANENT_FAILURE
    assert sms_stub.requests == []


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, {"Code": "Throttling.User", "Message": "Request was denied"}, "transient_failure"),
        (200, {"Code": "isp.SYSTEM_ERROR"}, "transient_failure"),
        (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL"}, "permanent_failure"),
        (400, {"Code": "isv.INVALID_PARAMETERS"}, "permanent_failure"),
        (429, b"too many", "transient_failure"),
        (404, b"not found", "permanent_failure"),
    ],
)
def test_response_mapping(status: int, body, outcome: str) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    assert classify_response(status, raw).outcome == outcome


def test_reason_never_echoes_the_phone_number() -> None:
    body = json.dumps({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "13800000000 invalid"})
    assert "13800000000" not in classify_response(200, body.encode()).reason
