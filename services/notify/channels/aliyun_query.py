"""Did Alibaba already take this SMS? (dysmsapi 2017-05-25, QuerySendDetails)

A sender that dies after SendSms was accepted but before it recorded the send leaves the notice
to be taken over once its lease expires. Before sending it again, the new sender asks Alibaba
for the day's sends to that number and looks for our OutId (the notice id): found, the earlier
send is recorded as the send and nobody gets a second SMS. Alibaba keeps sends by the day they
were made, in China time, on its own clock: the dates asked for are the real today and
yesterday there, whatever clock the rest of the service runs on."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import httpx

from shared.clock import local

from .aliyun_signature import common_params, signed_params
from .base import DeliveryResult, OutgoingSms, scrub_personal_data

PAGE = 50  # Alibaba's largest page
MAX_PAGES = 20  # a thousand SMS to one number in a day would be a fault in itself
# SendStatus: 1 waiting for the carrier's receipt, 2 failed at the carrier, 3 delivered.
TAKEN = {1: "waiting for the carrier's receipt", 3: "delivered"}


class QueryFailed(Exception):
    """Alibaba did not answer the question; the caller sends again rather than lose the SMS."""


def earlier_send(payload: object, out_id: str) -> tuple[DeliveryResult | None, int]:
    """(the earlier send of `out_id` in one page of QuerySendDetails, the day's total). A send
    that reached the carrier counts as the send; one the carrier failed does not (a second SMS
    is then no duplicate on the handset). Raises QueryFailed on an answer that is no page."""
    if not isinstance(payload, dict) or payload.get("Code") != "OK":
        code = payload.get("Code") if isinstance(payload, dict) else None
        message = payload.get("Message", "") if isinstance(payload, dict) else ""
        raise QueryFailed(scrub_personal_data(f"{code}: {message}" if code else "no result code"))
    try:
        rows = (payload.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        total = int(payload.get("TotalCount") or 0)
        for row in rows:
            status = int(row.get("SendStatus", 0) or 0)
            if row.get("OutId") == out_id and status in TAKEN:
                return DeliveryResult.ok(None, reason=f"already accepted by Alibaba at "
                                                      f"{row.get('SendDate')}: {TAKEN[status]}"), total
    except (AttributeError, TypeError, ValueError) as exc:
        raise QueryFailed(f"QuerySendDetails page not understood: {type(exc).__name__}") from None
    return None, total


async def find_earlier_send(client: httpx.AsyncClient, *, endpoint: str, access_key_id: str,
                            secret: str, region_id: str, message: OutgoingSms, now: datetime,
                            timeout_s: float,
                            before_request: Callable[[], Awaitable[None]] | None = None,
                            ) -> DeliveryResult | None:
    """`before_request` is awaited before each page is asked for: the channel's token bucket, so
    a burst of takeovers (a sender that died holding many notices) keeps to the account's pace."""
    today = local(now).date()
    for day in (today, today - timedelta(days=1)):
        for page in range(1, MAX_PAGES + 1):
            if before_request is not None:
                await before_request()
            params = common_params(access_key_id, action="QuerySendDetails",
                                   version="2017-05-25", region_id=region_id)
            params.update(PhoneNumber=message.phone, SendDate=day.strftime("%Y%m%d"),
                          PageSize=str(PAGE), CurrentPage=str(page))
            try:
                response = await client.post(endpoint, data=signed_params("POST", params, secret),
                                             timeout=timeout_s)
                payload = json.loads(response.content)
            except (httpx.HTTPError, ValueError) as exc:
                raise QueryFailed(f"QuerySendDetails: {type(exc).__name__}") from None
            found, total = earlier_send(payload, message.notice_id)
            if found is not None:
                return found
            if page * PAGE >= total:
                break
    return None
