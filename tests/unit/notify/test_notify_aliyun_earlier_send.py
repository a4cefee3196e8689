"""AliyunSmsChannel.earlier_send against the provider stub: before a notice taken over from a
dead sender is sent again, Alibaba's record of the day's sends (QuerySendDetails) is asked for
its OutId."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.notify.channels import AliyunSmsChannel, AliyunSmsSettings, OutgoingSms, TokenBucket
from tests.unit.notify.sms_stub import signature_ok

SECRET = "stub-secret"


def channel_for(stub, client: httpx.AsyncClient, now: datetime | None = None) -> AliyunSmsChannel:
    settings = AliyunSmsSettings(access_key_id="stub-id", access_key_secret=SECRET,
                                 sign_name="县效能办", endpoint=stub.url,
                                 template_codes={"deadline_warning": "SMS_000001"})
    if now is None:
        return AliyunSmsChannel(settings, client)
    return AliyunSmsChannel(settings, client, wall_clock=lambda: now)


def sms(notice_id: str, phone: str = "13800000000") -> OutgoingSms:
    return OutgoingSms(notice_id=notice_id, kind="deadline_warning", phone=phone,
                       text="【县效能办】……现予黄牌预警。", template_params={"name": "张华"})


async def test_a_send_alibaba_accepted_is_found_by_its_out_id_and_not_sent_again(sms_stub):
    async with httpx.AsyncClient() as client:
        channel = channel_for(sms_stub, client)
        assert (await channel.send(sms("n-1"))).sent
        found = await channel.earlier_send(sms("n-1"))
    assert found is not None and found.sent
    assert found.reason.startswith("already accepted by Alibaba at ")
    assert len(sms_stub.sends()) == 1
    [query] = sms_stub.queries()
    assert query["PhoneNumber"] == "13800000000" and query["PageSize"] == "50"
    assert signature_ok(query, SECRET)  # signed as every Alibaba request is


async def test_another_notice_to_the_same_number_is_not_taken_for_this_one(sms_stub):
    async with httpx.AsyncClient() as client:
        channel = channel_for(sms_stub, client)
        assert (await channel.send(sms("n-other"))).sent
        assert await channel.earlier_send(sms("n-1")) is None
    # Today's page, then yesterday's: a send just before midnight is filed under its own day.
    days = [q["SendDate"] for q in sms_stub.queries()]
    assert len(days) == 2 and days[0] == sms_stub.accepted[0]["SendDate"][:10].replace("-", "")
    first = datetime.strptime(days[0], "%Y%m%d")
    assert days[1] == (first - timedelta(days=1)).strftime("%Y%m%d")


async def test_the_days_asked_for_follow_the_wall_clock_in_china_time(sms_stub):
    # 2026-05-14 17:30 UTC is already 05-15 in China.
    now = datetime(2026, 5, 14, 17, 30, tzinfo=ZoneInfo("UTC"))
    async with httpx.AsyncClient() as client:
        assert await channel_for(sms_stub, client, now).earlier_send(sms("n-1")) is None
    assert [q["SendDate"] for q in sms_stub.queries()] == ["20260515", "20260514"]


async def test_a_send_on_a_later_page_is_found(sms_stub):
    async with httpx.AsyncClient() as client:
        channel = channel_for(sms_stub, client)
        for i in range(60):
            assert (await channel.send(sms(f"n-{i:02d}"))).sent
        found = await channel.earlier_send(sms("n-57"))
    assert found is not None and found.sent
    assert [q["CurrentPage"] for q in sms_stub.queries()] == ["1", "2"]


async def test_a_send_the_carrier_failed_is_sent_again(sms_stub):
    async with httpx.AsyncClient() as client:
        channel = channel_for(sms_stub, client)
        assert (await channel.send(sms("n-1"))).sent
        sms_stub.accepted[0]["SendStatus"] = 2  # the carrier's receipt: not delivered
        assert await channel.earlier_send(sms("n-1")) is None


async def test_a_question_alibaba_does_not_answer_means_send_again(sms_stub):
    sms_stub.query_replies.extend([(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL",
                                          "Message": "13800000000 over its limit"}),
                                   (500, b"<html>bad gateway</html>")])
    async with httpx.AsyncClient() as client:
        channel = channel_for(sms_stub, client)
        assert (await channel.send(sms("n-1"))).sent
        assert await channel.earlier_send(sms("n-1")) is None  # refused
        assert await channel.earlier_send(sms("n-1")) is None  # not JSON
        assert await channel.earlier_send(sms("n-1")) is not None  # answered: found


@pytest.mark.parametrize("page", [
    {"Code": "OK", "TotalCount": "1", "SmsSendDetailDTOs": ["not", "a", "mapping"]},
    {"Code": "OK", "TotalCount": "1", "SmsSendDetailDTOs": {"SmsSendDetailDTO": [
        {"OutId": "n-1", "SendStatus": "three"}]}},
    {"Code": "OK", "TotalCount": "many", "SmsSendDetailDTOs": {"SmsSendDetailDTO": []}},
])
async def test_a_page_that_is_not_understood_means_send_again(sms_stub, page):
    sms_stub.query_replies.append((200, page))
    async with httpx.AsyncClient() as client:
        assert await channel_for(sms_stub, client).earlier_send(sms("n-1")) is None


async def test_each_page_asked_for_waits_its_turn_in_the_channels_token_bucket(sms_stub):
    """A mass takeover asks Alibaba once per notice: the questions keep to the account's pace
    as the sends do, instead of earning Throttling answers (which would mean re-sends)."""
    waited: list[int] = []

    class CountingBucket(TokenBucket):
        async def acquire(self) -> None:
            waited.append(len(sms_stub.queries()))  # how many questions Alibaba had by then
            await super().acquire()

    settings = AliyunSmsSettings(access_key_id="stub-id", access_key_secret=SECRET,
                                 sign_name="县效能办", endpoint=sms_stub.url,
                                 template_codes={"deadline_warning": "SMS_000001"})
    async with httpx.AsyncClient() as client:
        channel = AliyunSmsChannel(settings, client, CountingBucket(1000))
        for i in range(60):
            assert (await channel.send(sms(f"n-{i:02d}"))).sent
        waited.clear()
        assert await channel.earlier_send(sms("n-absent")) is None
    # Today's two pages and yesterday's one, each after its own turn in the bucket.
    assert len(sms_stub.queries()) == 3 and waited == [0, 1, 2]
