"""Outcome of each notice the notify service sends."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.envelope import EventPayload, event


@event("notice.sent")
class NoticeSent(EventPayload):
    notice_id: str = Field(description="Deterministic: source event + recipient + channel")
    source_event_id: str
    recipient_id: str
    channel: str = Field(description="sms | email")
    sent_at: AwareDatetime


@event("notice.failed")
class NoticeFailed(EventPayload):
    notice_id: str
    source_event_id: str
    recipient_id: str
    channel: str
    reason: str
    permanent: bool
    failed_at: AwareDatetime
