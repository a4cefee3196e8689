"""Why intake refuses an input. Each error names the field and the reason, so a caller can fix
its request; on the Kafka doors the same text becomes the dead-letter reason."""

from __future__ import annotations

from shared.messaging.errors import Rejected


class InputError(Rejected):
    """Well-formed input that cannot be accepted. `status` is the HTTP answer."""

    status = 422

    def __init__(self, field: str, reason: str, *, code: str = "invalid") -> None:
        super().__init__(f"{field}: {reason}", code=code)
        self.field = field
        self.detail = reason


class UnknownReference(InputError):
    """The input names a unit, person, campaign, matter or complaint intake does not know."""

    def __init__(self, field: str, what: str, value: str) -> None:
        super().__init__(field, f"unknown {what} {value!r}", code="unknown_reference")


class Conflict(InputError):
    """The input contradicts the case's state (completed twice, resumed while running…)."""

    status = 409

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason, code="conflict")
