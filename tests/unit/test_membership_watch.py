"""The membership watch reads aiokafka's eviction warnings: a few now and then pass, a run of
them within a minute (a twin under the same instance id) fails readiness and is logged once."""

from __future__ import annotations

import logging

import pytest
from structlog.testing import capture_logs

from shared.messaging.membership import (COORDINATOR_LOGGER, EVICTIONS, THRESHOLD, WINDOW_S,
                                         MembershipWatch, watch_membership)

EVICTION_LINE = "Heartbeat failed: local member_id was not recognized; resetting and re-joining group"


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def watch():
    """The watch as the runtime installs it, on a fake monotonic clock; removed after."""
    w = watch_membership("deadlines", "deadlines-7")
    w._now = FakeTime()
    yield w
    logging.getLogger(COORDINATOR_LOGGER).removeFilter(w)


def coordinator_warns(msg: str = EVICTION_LINE) -> None:
    logging.getLogger(COORDINATOR_LOGGER).warning(msg)


async def test_a_run_of_evictions_fails_readiness_naming_the_instance(watch):
    before = EVICTIONS.labels("deadlines")._value.get()
    with capture_logs() as logs:
        for _ in range(THRESHOLD - 1):
            coordinator_warns()
            watch._now.t += 3
        await watch.probe()  # not yet: a broker restart costs one or two
        assert not [e for e in logs if e["log_level"] == "error"]
        coordinator_warns()
        with pytest.raises(RuntimeError, match="XN_KAFKA_INSTANCE_ID=deadlines-7"):
            await watch.probe()
        for _ in range(3):  # still contested: reported once per episode
            watch._now.t += 3
            coordinator_warns()
    errors = [e for e in logs if e["log_level"] == "error"]
    assert len(errors) == 1 and errors[0]["instance_id"] == "deadlines-7", errors
    assert EVICTIONS.labels("deadlines")._value.get() - before == THRESHOLD + 3


async def test_readiness_returns_once_the_evictions_stop_and_a_new_episode_is_reported(watch):
    with capture_logs() as logs:
        for _ in range(THRESHOLD):
            coordinator_warns()
        assert watch.contested
        watch._now.t += WINDOW_S + 1
        await watch.probe()  # the window passed without evictions
        for _ in range(THRESHOLD):
            coordinator_warns()
        assert watch.contested
    assert len([e for e in logs if e["log_level"] == "error"]) == 2


async def test_evictions_spread_wider_than_the_window_never_add_up(watch):
    for _ in range(3 * THRESHOLD):
        coordinator_warns()
        watch._now.t += WINDOW_S / (THRESHOLD - 1) + 0.1
    await watch.probe()


def test_other_coordinator_warnings_are_not_evictions(watch):
    for _ in range(2 * THRESHOLD):
        coordinator_warns("Heartbeat failed for group g because it is rebalancing")
    assert not watch.contested


def test_the_services_log_level_still_decides_what_is_shown(caplog):
    """The coordinator logger is opened to warnings for the watch; at XN_LOG_LEVEL=ERROR the
    warnings are counted but not written."""
    aiokafka = logging.getLogger("aiokafka")
    old = aiokafka.level
    aiokafka.setLevel(logging.ERROR)
    w = watch_membership("notify", None)
    try:
        with caplog.at_level(logging.DEBUG):
            for _ in range(THRESHOLD):
                coordinator_warns()
        assert w.contested
        assert not [r for r in caplog.records if r.name == COORDINATOR_LOGGER]
    finally:
        aiokafka.setLevel(old)
        logging.getLogger(COORDINATOR_LOGGER).removeFilter(w)


def test_installed_again_the_watch_replaces_the_earlier_one():
    first = watch_membership("intake", None)
    second = watch_membership("intake", None)
    try:
        watches = [f for f in logging.getLogger(COORDINATOR_LOGGER).filters
                   if isinstance(f, MembershipWatch)]
        assert watches == [second] and first is not second
    finally:
        logging.getLogger(COORDINATOR_LOGGER).removeFilter(second)


async def test_a_dynamic_member_is_told_the_likelier_cause(watch):
    w = MembershipWatch("notify", None, logging.WARNING, now=FakeTime())
    for _ in range(THRESHOLD):
        w.evicted()
    with pytest.raises(RuntimeError, match="missing its session"):
        await w.probe()
