"""Envelopes for what notify publishes (xn.notices). They carry the correlation id of the event
that caused the notice, so one grep follows a complaint from intake to its SMS. Event ids are
derived from the notice and the claim (or plan) that decided, so a re-run writes the same row."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.envelope import Envelope
from shared.events.notices import NoticeFailed, NoticeSent

from .store import Notice

PRODUCER = "notify"
_NS = uuid.UUID("0c5e3f7e-5b1c-4d0f-9a55-0d6f4f1d2a77")


def _wrap(payload, *, notice_id: str, correlation_id: uuid.UUID, cause_id: uuid.UUID,
          unit_id: str | None, at: datetime, tag: str) -> Envelope:
    env = Envelope.wrap(payload, key=notice_id, occurred_at=at, producer=PRODUCER,
                        unit_id=unit_id, correlation_id=correlation_id,
                        event_id=uuid.uuid5(_NS, f"{notice_id}|{tag}"))
    return env.model_copy(update={"causation_id": cause_id})


def notice_sent(n: Notice, at: datetime, claim: uuid.UUID) -> Envelope:
    return _wrap(NoticeSent(notice_id=n.notice_id, source_event_id=str(n.source_event_id),
                            recipient_id=n.recipient_id, channel=n.channel, sent_at=at),
                 notice_id=n.notice_id, correlation_id=n.correlation_id,
                 cause_id=n.source_event_id, unit_id=n.unit_id, at=at, tag=f"sent|{claim}")


def notice_failed(*, notice_id: str, source_event_id: uuid.UUID, correlation_id: uuid.UUID,
                  unit_id: str | None, recipient_id: str, channel: str, reason: str,
                  permanent: bool, at: datetime, tag: str) -> Envelope:
    return _wrap(NoticeFailed(notice_id=notice_id, source_event_id=str(source_event_id),
                              recipient_id=recipient_id, channel=channel, reason=reason,
                              permanent=permanent, failed_at=at),
                 notice_id=notice_id, correlation_id=correlation_id, cause_id=source_event_id,
                 unit_id=unit_id, at=at, tag=f"failed|{tag}")
