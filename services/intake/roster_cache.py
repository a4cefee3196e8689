"""A short-lived, process-local memory of units, people and appointments, for validating
references and routing complaints.

Every case event names a unit and people, and every complaint asks who leads its target unit
(分级负责); looking them up is a round trip each, most of intake's cost per message. Units,
people and appointments are rarely changed and never deleted, so a positive answer
may be reused for `ttl_s` seconds (a change made through another replica shows within that
time; this replica's own changes are forgotten at once). Absence (or a unit with no
appointments) is never remembered: a unit registered a moment ago is found on the next message."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class RosterCache:
    def __init__(self, ttl_s: float = 30.0, max_entries: int = 50_000,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._max, self._now = ttl_s, max_entries, now
        self._entries: dict[tuple[str, str], tuple[float, Any]] = {}

    def get(self, kind: str, key: str) -> Any:
        hit = self._entries.get((kind, key))
        if hit is None:
            return None
        expires, value = hit
        if self._now() >= expires:
            del self._entries[(kind, key)]
            return None
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()  # crude but bounded: a full cache refills in seconds
        self._entries[(kind, key)] = (self._now() + self._ttl, value)

    def forget(self, kind: str, key: str) -> None:
        self._entries.pop((kind, key), None)
