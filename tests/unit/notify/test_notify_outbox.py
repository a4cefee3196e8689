"""The local outbox: one file per notice id, written atomically."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email import message_from_bytes, policy

from services.notify.channels import (
    DeliveryOutcome,
    OutboxEmailChannel,
    OutboxSmsChannel,
    OutgoingEmail,
    OutgoingSms,
    SmtpSettings,
)

# 16:30 UTC is 00:30 the next day in Shanghai: the folder follows the local date.
LATE_EVENING_UTC = datetime(2026, 5, 14, 16, 30, tzinfo=UTC)


def sms(notice_id: str = "n-7") -> OutgoingSms:
    return OutgoingSms(notice_id=notice_id, kind="deadline_warning", phone="13800000000", text="【县效能办】测试短信")


async def test_sms_lands_in_local_date_folder(tmp_path) -> None:
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
    result = await channel.send(sms())
    assert result.outcome is DeliveryOutcome.SENT
    path = tmp_path / "sms" / "2026-05-15" / "n-7.txt"
    assert result.provider_message_id == "sms/2026-05-15/n-7.txt"
    assert path.read_text(encoding="utf-8").endswith("\n\n【县效能办】测试短信\n")
    assert [p.name for p in path.parent.iterdir()] == ["n-7.txt"]  # no temp file left behind


async def test_same_notice_id_twice_gives_one_file_even_on_another_day(tmp_path) -> None:
    days = iter([LATE_EVENING_UTC, datetime(2026, 5, 20, 3, 0, tzinfo=UTC)])
    channel = OutboxSmsChannel(tmp_path, clock=lambda: next(days))
    first = await channel.send(sms())
    second = await channel.send(OutgoingSms("n-7", "deadline_warning", "13800000000", "改过的文字"))
    assert first == second
    files = list((tmp_path / "sms").rglob("*.txt"))
    assert len(files) == 1 and "测试短信" in files[0].read_text(encoding="utf-8")


async def test_a_notice_files_under_the_day_it_was_created_whenever_it_is_sent(tmp_path) -> None:
    days = iter([datetime(2026, 5, 20, 3, 0, tzinfo=UTC), datetime(2026, 5, 21, 3, 0, tzinfo=UTC)])
    channel = OutboxSmsChannel(tmp_path, clock=lambda: next(days))
    made = LATE_EVENING_UTC  # 00:30 on 15 May in Shanghai
    first = await channel.send(OutgoingSms("n-5", "deadline_warning", "13800000000", "第一次",
                                           created_at=made))
    again = await channel.send(OutgoingSms("n-5", "deadline_warning", "13800000000", "重发",
                                           created_at=made))  # a retry, a day later
    assert first == again and first.provider_message_id == "sms/2026-05-15/n-5.txt"
    files = list((tmp_path / "sms").rglob("*.txt"))
    assert len(files) == 1 and "第一次" in files[0].read_text(encoding="utf-8")


async def test_concurrent_duplicates_give_one_file(tmp_path) -> None:
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
    results = await asyncio.gather(*(channel.send(sms("n-9")) for _ in range(8)))
    assert all(r.sent for r in results)
    assert len(list((tmp_path / "sms").rglob("*"))) == 2  # the day folder and one file


async def test_email_is_a_parseable_eml_with_both_parts(tmp_path) -> None:
    settings = SmtpSettings(host="unused", port=25, from_address="notify@xiaoneng.example.gov.cn")
    channel = OutboxEmailChannel(tmp_path, settings, clock=lambda: LATE_EVENING_UTC)
    email = OutgoingEmail("n-8", "a@b.example", "【黄牌预警】测试", "正文：张华同志", "<p>张华同志</p>")
    result = await channel.send(email)
    raw = (tmp_path / result.provider_message_id).read_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "【黄牌预警】测试"
    assert parsed["Message-ID"] == "<notice.n-8@xiaoneng.example.gov.cn>"
    assert parsed.get_body(("plain",)).get_content() == "正文：张华同志\n"
    assert parsed.get_body(("html",)).get_content() == "<p>张华同志</p>\n"
