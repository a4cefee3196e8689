"""Delivery channels for notices: SMTP e-mail, Alibaba Cloud SMS, and a local file outbox."""

from .aliyun_sms import AliyunSmsChannel, AliyunSmsSettings, classify_response
from .base import (
    DeliveryOutcome,
    DeliveryResult,
    EmailChannel,
    OutgoingEmail,
    OutgoingSms,
    SmsChannel,
    scrub_personal_data,
)
from .email_smtp import SmtpEmailChannel, SmtpSecurity, SmtpSettings, build_mime_message
from .outbox import OutboxEmailChannel, OutboxSmsChannel
from .rate_limit import TokenBucket

__all__ = [
    "AliyunSmsChannel",
    "AliyunSmsSettings",
    "DeliveryOutcome",
    "DeliveryResult",
    "EmailChannel",
    "OutboxEmailChannel",
    "OutboxSmsChannel",
    "OutgoingEmail",
    "OutgoingSms",
    "SmsChannel",
    "SmtpEmailChannel",
    "SmtpSecurity",
    "SmtpSettings",
    "TokenBucket",
    "build_mime_message",
    "classify_response",
    "scrub_personal_data",
]
