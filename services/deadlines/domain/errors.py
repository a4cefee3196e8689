"""Errors of the deadlines domain. Both carry enough detail to be shown to an operator as is."""

from __future__ import annotations

# Moved to the kernel (accountability counts working days too); re-exported for old imports.
from shared.workdays.errors import CalendarFileError  # noqa: F401


class DeadlineRuleError(ValueError):
    """A command on a deadline breaks a rule (resume without pause, extension beyond quota …).

    `code` is a stable machine-readable identifier (used in dead-letter records and HTTP 4xx
    bodies); `message` is the human explanation.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
