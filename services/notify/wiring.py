"""What the handler and the sender depend on, in explicit objects; main.py builds the real ones
from settings, tests build their own (own topics, a ManualClock, loopback SMTP, the SMS stub)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from shared import topics as t
from shared.clock import Clock

from .channels import (
    AliyunSmsChannel,
    AliyunSmsSettings,
    EmailChannel,
    OutboxEmailChannel,
    OutboxSmsChannel,
    SmsChannel,
    SmtpEmailChannel,
    SmtpSecurity,
    SmtpSettings,
    TokenBucket,
)
from .messages import NoticeRenderer, OfficeInfo, SmsPolicy
from .routing import QuietHours, RoutingTable, load_routing
from .settings import NotifySettings


@dataclass(frozen=True)
class Topics:
    roster: str = t.ROSTER
    complaints: str = t.COMPLAINTS
    deadlines: str = t.DEADLINES
    accountability: str = t.ACCOUNTABILITY
    notices: str = t.NOTICES

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.roster, self.complaints, self.deadlines, self.accountability)


@dataclass(frozen=True)
class Deps:
    """For the consumer side: who hears what (routing), what it says (renderer)."""

    routing: RoutingTable
    renderer: NoticeRenderer
    topics: Topics
    office: OfficeInfo
    rating_url: str = "https://xn.example.gov.cn/r/{complaint_id}"


@dataclass(frozen=True)
class Channels:
    sms: SmsChannel
    email: EmailChannel

    def for_kind(self, channel: str):
        return self.sms if channel == "sms" else self.email


def routing_from(settings: NotifySettings) -> RoutingTable:
    """routing.yaml with the quiet hours of the settings (an operator changes them per env)."""
    table = load_routing(settings.routing_file)
    if not settings.quiet_hours_enabled:
        return RoutingTable(table.kinds, None)
    return RoutingTable(table.kinds, QuietHours(settings.quiet_start, settings.quiet_end))


def deps_from(settings: NotifySettings, topics: Topics | None = None) -> Deps:
    office = OfficeInfo(name=settings.office_name, phone=settings.office_phone)
    renderer = NoticeRenderer(SmsPolicy(signature=settings.sms_signature,
                                        max_segments=settings.sms_max_segments), office)
    return Deps(routing_from(settings), renderer, topics or Topics(), office,
                settings.rating_url_template)


def smtp_settings(settings: NotifySettings) -> SmtpSettings:
    security = {"none": SmtpSecurity.PLAIN, "starttls": SmtpSecurity.STARTTLS,
                "implicit": SmtpSecurity.IMPLICIT_TLS}[settings.smtp_tls]
    return SmtpSettings(host=settings.smtp_host, port=settings.smtp_port,
                        from_address=settings.mail_from, from_name=settings.office_name,
                        security=security, username=settings.smtp_username or None,
                        password=settings.smtp_password.get_secret_value() or None)


def channels_from(settings: NotifySettings, clock: Clock,
                  http: httpx.AsyncClient | None = None) -> Channels:
    """outbox (files under outbox_dir) unless settings select the real providers."""
    smtp = smtp_settings(settings)
    if settings.email_transport == "smtp":
        email: EmailChannel = SmtpEmailChannel(smtp)
    else:
        email = OutboxEmailChannel(settings.outbox_dir, smtp, clock=clock.now)
    if settings.sms_provider == "aliyun":
        sms: SmsChannel = AliyunSmsChannel(
            AliyunSmsSettings(access_key_id=settings.sms_access_key_id,
                              access_key_secret=settings.sms_access_key_secret.get_secret_value(),
                              sign_name=settings.sms_sign_name,
                              template_codes=settings.sms_template_codes,
                              endpoint=settings.sms_endpoint),
            http or httpx.AsyncClient(), TokenBucket(settings.sms_rate_per_s))
    else:
        sms = OutboxSmsChannel(settings.outbox_dir, clock=clock.now)
    return Channels(sms=sms, email=email)
