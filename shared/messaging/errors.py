"""How a handler says what went wrong, which decides what the pipeline does with the message."""

from __future__ import annotations


class PoisonMessage(Exception):
    """The message can never be processed as it is (not JSON, wrong schema, unknown unit…).
    It goes to the dead-letter topic at once, with `reason`, and processing moves on."""

    def __init__(self, reason: str, *, code: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Rejected(PoisonMessage):
    """A well-formed event that the business rules refuse (resume without pause, extension
    beyond quota…). Dead-lettered with the reason; no state changes."""

    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason, code=code)
