"""SmtpEmailChannel against a real aiosmtpd server on loopback."""

from __future__ import annotations

from services.notify.channels import (
    DeliveryOutcome,
    OutgoingEmail,
    SmtpEmailChannel,
    SmtpSecurity,
    SmtpSettings,
)
from services.notify.messages import NoticeRenderer
from tests.unit.notify.samples import SAMPLES
from tests.unit.notify.smtp_server import free_port


def settings_for(smtp_server) -> SmtpSettings:
    controller, _ = smtp_server
    return SmtpSettings(
        host=controller.hostname,
        port=controller.port,
        from_address="notify@xiaoneng.example.gov.cn",
        security=SmtpSecurity.PLAIN,
        timeout_seconds=5,
    )


def red_card_email(notice_id: str = "n-20260515-0001", to: str = "zhanghua@zjj.example.gov.cn") -> OutgoingEmail:
    kind, context = SAMPLES["deadline_missed"]
    rendered = NoticeRenderer().render_email(kind, context)
    return OutgoingEmail(
        notice_id=notice_id,
        to_address=to,
        to_name="张华",
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
    )


async def test_chinese_text_and_html_parts_arrive_decoded(smtp_server, smtp_handler) -> None:
    email = red_card_email()
    result = await SmtpEmailChannel(settings_for(smtp_server)).send(email)

    assert result.outcome is DeliveryOutcome.SENT
    assert result.provider_message_id == "<notice.n-20260515-0001@xiaoneng.example.gov.cn>"
    [received] = smtp_handler.received
    assert received["Subject"] == email.subject
    assert "红牌警示" in received["Subject"]
    assert received["Message-ID"] == result.provider_message_id
    assert received["To"].addresses[0].display_name == "张华"
    assert received["From"].addresses[0].display_name == "县效能建设办公室"
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert text == email.text
    assert "张华同志：" in text and "已超期3个工作日" in text
    assert html == email.html
    assert "<strong>已超期3个工作日</strong>" in html


async def test_same_notice_twice_carries_the_same_message_id(smtp_server, smtp_handler) -> None:
    channel = SmtpEmailChannel(settings_for(smtp_server))
    await channel.send(red_card_email())
    await channel.send(red_card_email())
    first, second = smtp_handler.received
    assert first["Message-ID"] == second["Message-ID"]


async def test_451_for_recipient_is_transient(smtp_server, smtp_handler) -> None:
    to = "busy@zjj.example.gov.cn"
    smtp_handler.refuse[to] = "451 4.3.0 Mailbox temporarily unavailable"
    result = await SmtpEmailChannel(settings_for(smtp_server)).send(red_card_email(to=to))
    assert result.outcome is DeliveryOutcome.TRANSIENT_FAILURE
    assert "451" in result.reason
    assert smtp_handler.received == []


async def test_550_for_recipient_is_permanent_and_reason_hides_the_address(smtp_server, smtp_handler) -> None:
    to = "gone@zjj.example.gov.cn"
    smtp_handler.refuse[to] = f"550 5.1.1 <{to}>: mailbox unavailable"
    result = await SmtpEmailChannel(settings_for(smtp_server)).send(red_card_email(to=to))
    assert result.outcome is DeliveryOutcome.PERMANENT_FAILURE
    assert "550" in result.reason
    assert to not in result.reason


async def test_connection_refused_is_transient() -> None:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=free_port(),  # nothing listens there
        from_address="notify@xiaoneng.example.gov.cn",
        security=SmtpSecurity.PLAIN,
        timeout_seconds=2,
    )
    result = await SmtpEmailChannel(settings).send(red_card_email())
    assert result.outcome is DeliveryOutcome.TRANSIENT_FAILURE
