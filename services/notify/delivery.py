"""Pure delivery rules: what happens to a notice after one attempt, and when a retry may run.

Exponential backoff with a cap, a bounded number of attempts, and quiet hours for non-urgent
SMS also apply to retries (a retry must not wake someone the first attempt would not have)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .channels import DeliveryOutcome
from .routing import QuietHours, release_time


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    backoff_s: float = 30.0
    backoff_max_s: float = 3600.0

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_s * 2 ** max(attempts - 1, 0), self.backoff_max_s))


@dataclass(frozen=True)
class Decision:
    status: str  # sent | pending (retry) | failed
    permanent: bool | None = None
    retry_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.status != "pending"


def decide(outcome: DeliveryOutcome, *, attempts: int, now: datetime, policy: RetryPolicy,
           channel: str, urgent: bool, quiet_hours: QuietHours | None) -> Decision:
    """`attempts` counts this one. A transient failure on the last allowed attempt is final
    (not permanent: an operator may resend once the provider is back)."""
    if outcome is DeliveryOutcome.SENT:
        return Decision("sent")
    if outcome is DeliveryOutcome.PERMANENT_FAILURE:
        return Decision("failed", permanent=True)
    if attempts >= policy.max_attempts:
        return Decision("failed", permanent=False)
    retry_at = now + policy.delay(attempts)
    if channel == "sms":
        retry_at = release_time(retry_at, urgent, quiet_hours)
    return Decision("pending", retry_at=retry_at)
