"""Injectable clocks: business code asks a Clock for the time, never the wall clock directly,
so tests can move time and the demo can run a campaign at many times real speed."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that only moves when told to; for tests."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(timezone.utc)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class ScaledClock:
    """Virtual time that starts at `epoch` when created and runs `speed` times faster than real
    time. Several processes started with the same epoch and anchor agree on the time."""

    def __init__(self, epoch: datetime, speed: float, anchor: float | None = None) -> None:
        if epoch.tzinfo is None:
            raise ValueError("ScaledClock needs an aware epoch")
        self._epoch = epoch.astimezone(timezone.utc)
        self._speed = speed
        self._anchor = time.time() if anchor is None else anchor

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=(time.time() - self._anchor) * self._speed)


def local(dt: datetime) -> datetime:
    """The same instant in Asia/Shanghai, for display and for 'which local day is it'."""
    return dt.astimezone(SHANGHAI)


def clock_from_settings(epoch: datetime | None, speed: float, anchor: float | None) -> Clock:
    if epoch is None:
        return SystemClock()
    return ScaledClock(epoch, speed, anchor)
