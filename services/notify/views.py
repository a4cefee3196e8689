"""How a notice and its attempts are shown to an operator: personal data masked."""

from __future__ import annotations

from typing import Any

from shared.masking import mask_text

from .store import Notice


def _iso(v) -> str | None:
    return v.isoformat() if v is not None else None


def notice_view(n: Notice) -> dict[str, Any]:
    return {
        "notice_id": n.notice_id, "status": n.status, "kind": n.kind, "channel": n.channel,
        "recipient_id": n.recipient_id, "role": n.recipient_role,
        "address": mask_text(n.address) if n.address else None,
        "attempts": n.attempts, "reason": mask_text(n.last_reason or ""),
        "permanent": n.permanent, "not_before": _iso(n.not_before),
        "finished_at": _iso(n.finished_at), "source_event_id": str(n.source_event_id),
        "source_event_type": n.source_event_type, "correlation_id": str(n.correlation_id),
        "unit_id": n.unit_id, "fallback_of": n.fallback_of,
        "provider_message_id": n.provider_message_id,
    }


def attempt_view(a) -> dict[str, Any]:
    return {"attempt": a.attempt_no, "sender": a.sender, "started_at": _iso(a.started_at),
            "recorded_at": _iso(a.recorded_at), "outcome": a.outcome,
            "reason": mask_text(a.reason), "provider_message_id": a.provider_message_id,
            "lease_lost": a.lease_lost}
