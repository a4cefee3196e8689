"""Errors of the working-day calendar."""

from __future__ import annotations


class CalendarFileError(ValueError):
    """A county year file (e.g. calendars/2027.yaml) is malformed or contradicts itself.

    The message always names the file and, where there is one, the line and the date at fault.
    """
