"""Alibaba Cloud SMS (dysmsapi 2017-05-25, SendSms) over httpx.

Alibaba sends the text of a template approved in its console (TemplateCode) with our
TemplateParam values, prefixed by the approved signature (SignName); our rendered text is what
the outbox channel stores and what segment counting is based on. Requests go as a POST form so
phone numbers stay out of URLs (and so out of proxy access logs).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from shared.clock import SystemClock
from shared.logs import get_logger

from .aliyun_query import QueryFailed, find_earlier_send
from .aliyun_signature import common_params, signed_params
from .base import DeliveryResult, OutgoingSms, scrub_personal_data
from .rate_limit import TokenBucket

log = get_logger(__name__)

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"

# Codes that no retry can fix: the number, the template, the signature or the content is wrong.
PERMANENT_CODES = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.SMS_CONTENT_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL",
    "isv.DENY_IP_RANGE",
})
# Everything else (isv.BUSINESS_LIMIT_CONTROL, isv.DAY_LIMIT_CONTROL, Throttling*, isp.SYSTEM_ERROR,
# isv.AMOUNT_NOT_ENOUGH, isv.OUT_OF_SERVICE, SignatureNonceUsed, unknown codes) is transient:
# notices must not be lost, and the caller bounds retries before dead-lettering.


@dataclass(frozen=True)
class AliyunSmsSettings:
    access_key_id: str
    access_key_secret: str
    sign_name: str  # e.g. 县效能办, the signature approved in the Alibaba console
    template_codes: Mapping[str, str] = field(default_factory=dict)  # NoticeKind value → code
    endpoint: str = DEFAULT_ENDPOINT
    region_id: str = "cn-hangzhou"
    timeout_seconds: float = 10.0


def classify_response(status_code: int, body: bytes) -> DeliveryResult:
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    code = payload.get("Code") if isinstance(payload, dict) else None
    if code is None:
        reason = f"HTTP {status_code} without an Alibaba result code"
        if status_code >= 500 or status_code in (408, 429):
            return DeliveryResult.transient(reason)
        return DeliveryResult.permanent(reason) if status_code >= 400 else DeliveryResult.transient(reason)
    message = scrub_personal_data(str(payload.get("Message", "")))
    reason = f"{code}: {message}" if message else str(code)
    if code == "OK":
        return DeliveryResult.ok(payload.get("BizId"), reason=f"RequestId {payload.get('RequestId')}")
    if code in PERMANENT_CODES:
        return DeliveryResult.permanent(reason)
    return DeliveryResult.transient(reason)


class AliyunSmsChannel:
    def __init__(
        self,
        settings: AliyunSmsSettings,
        client: httpx.AsyncClient,
        rate_limiter: TokenBucket | None = None,
        wall_clock: Callable[[], datetime] = SystemClock().now,
    ) -> None:
        # The client is injected so the service owns its lifetime (connection pool, proxies).
        self.settings = settings
        self._client = client
        self._limiter = rate_limiter
        # Alibaba files sends under the real day, not the service's (possibly virtual) clock.
        self._wall_clock = wall_clock

    def request_params(self, message: OutgoingSms, **overrides: str) -> dict[str, str]:
        s = self.settings
        params = common_params(
            s.access_key_id, action="SendSms", version="2017-05-25", region_id=s.region_id
        )
        params.update(
            PhoneNumbers=message.phone,
            SignName=s.sign_name,
            TemplateCode=s.template_codes[message.kind],
            TemplateParam=json.dumps(message.template_params, ensure_ascii=False),
            OutId=message.notice_id,  # shows up in Alibaba's delivery receipts
        )
        params.update(overrides)
        return signed_params("POST", params, s.access_key_secret)

    async def send(self, message: OutgoingSms) -> DeliveryResult:
        if message.kind not in self.settings.template_codes:
            return DeliveryResult.permanent(f"no Alibaba template code configured for {message.kind}")
        if self._limiter is not None:
            await self._limiter.acquire()
        try:
            response = await self._client.post(
                self.settings.endpoint,
                data=self.request_params(message),
                timeout=self.settings.timeout_seconds,
            )
        except httpx.TimeoutException:
            return DeliveryResult.transient("Alibaba SMS request timed out")
        except httpx.TransportError as exc:
            return DeliveryResult.transient(f"Alibaba SMS transport error: {type(exc).__name__}")
        return classify_response(response.status_code, response.content)

    async def earlier_send(self, message: OutgoingSms) -> DeliveryResult | None:
        """The send of this notice Alibaba already has (today or yesterday), or None: asked
        before re-sending a notice whose sender died between send and record. A question
        Alibaba does not answer is None too: sent again, at most one duplicate, rather than
        held back."""
        s = self.settings
        try:
            return await find_earlier_send(
                self._client, endpoint=s.endpoint, access_key_id=s.access_key_id,
                secret=s.access_key_secret, region_id=s.region_id, message=message,
                now=self._wall_clock(), timeout_s=s.timeout_seconds,
                before_request=self._limiter.acquire if self._limiter is not None else None)
        except QueryFailed as exc:
            # Sent again: at most one duplicate. Logged, because a key whose RAM policy lacks
            # dysms:QuerySendDetails would otherwise turn every takeover into a silent re-send.
            log.warning("Alibaba did not say whether it already took the SMS; sending again",
                        notice_id=message.notice_id, reason=str(exc))
            return None
