"""The delivery-channel contract: one message in, one DeliveryResult out, never an exception
for a delivery problem (the caller decides on retries from the outcome, not from a traceback)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

# Notice ids end up in Message-IDs and file names, so they are restricted to a safe alphabet.
_NOTICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_notice_id(notice_id: str) -> str:
    if not _NOTICE_ID.fullmatch(notice_id):
        raise ValueError("notice_id must be 1-128 chars of [A-Za-z0-9._-]")
    return notice_id


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_MOBILE = re.compile(r"(?<!\d)(\+?86)?1[3-9]\d{9}(?!\d)")


def scrub_personal_data(text: str) -> str:
    """Provider replies often echo the address or number; reasons end up in logs and the
    delivery log, so such tokens are replaced before they leave the channel."""
    return _MOBILE.sub("<phone>", _EMAIL.sub("<address>", text))


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    TRANSIENT_FAILURE = "transient_failure"  # retry later with backoff
    PERMANENT_FAILURE = "permanent_failure"  # retrying cannot help; dead-letter with the reason


@dataclass(frozen=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    reason: str = ""
    provider_message_id: str | None = None

    @property
    def sent(self) -> bool:
        return self.outcome is DeliveryOutcome.SENT

    @classmethod
    def ok(cls, provider_message_id: str | None, reason: str = "") -> DeliveryResult:
        return cls(DeliveryOutcome.SENT, reason, provider_message_id)

    @classmethod
    def transient(cls, reason: str) -> DeliveryResult:
        return cls(DeliveryOutcome.TRANSIENT_FAILURE, reason)

    @classmethod
    def permanent(cls, reason: str) -> DeliveryResult:
        return cls(DeliveryOutcome.PERMANENT_FAILURE, reason)


@dataclass(frozen=True)
class OutgoingSms:
    """notice_id identifies this delivery (one notice, one recipient, one channel)."""

    notice_id: str
    kind: str  # NoticeKind value; the SMS provider maps it to an approved template code
    phone: str
    text: str  # full rendered text with signature, as the handset will show it
    template_params: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None  # when the notice was made (the local outbox's folder)

    def __post_init__(self) -> None:
        check_notice_id(self.notice_id)


@dataclass(frozen=True)
class OutgoingEmail:
    notice_id: str
    to_address: str
    subject: str
    text: str
    html: str
    to_name: str | None = None
    created_at: datetime | None = None  # when the notice was made (the local outbox's folder)

    def __post_init__(self) -> None:
        check_notice_id(self.notice_id)


@runtime_checkable
class SmsChannel(Protocol):
    async def send(self, message: OutgoingSms) -> DeliveryResult: ...


@runtime_checkable
class RecallsSends(Protocol):
    """A channel that can tell whether it already accepted a message (the provider keeps a
    record under the notice id). Asked before re-sending a notice whose earlier sender died
    between send and record: a result means "already sent", None "send it"."""

    async def earlier_send(self, message: Any) -> DeliveryResult | None: ...


@runtime_checkable
class EmailChannel(Protocol):
    async def send(self, message: OutgoingEmail) -> DeliveryResult: ...
