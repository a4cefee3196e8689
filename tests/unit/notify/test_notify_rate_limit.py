"""TokenBucket with a fake clock: bursts up to capacity, then the configured rate."""

from __future__ import annotations

import asyncio

import pytest

from services.notify.channels import TokenBucket


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_burst_then_refill() -> None:
    t = FakeTime()
    bucket = TokenBucket(2, clock=t.clock, sleep=t.sleep)
    assert [bucket.try_acquire() for _ in range(3)] == [True, True, False]
    t.now += 0.5
    assert bucket.try_acquire() and not bucket.try_acquire()


async def test_acquire_waits_for_the_rate() -> None:
    t = FakeTime()
    bucket = TokenBucket(5, capacity=1, clock=t.clock, sleep=t.sleep)
    for _ in range(11):
        await bucket.acquire()
    assert t.now == pytest.approx(2.0)  # 1 immediately, then 10 more at 5 per second


async def test_real_clock_spaces_concurrent_callers() -> None:
    bucket = TokenBucket(50, capacity=1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(*(bucket.acquire() for _ in range(6)))
    assert loop.time() - start >= 5 / 50 * 0.9


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)
