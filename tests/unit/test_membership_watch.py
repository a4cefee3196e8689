"""The membership watch reads aiokafka's eviction lines: a few now and then pass, a run of them
within a minute (a twin under the same instance id) fails readiness and is logged once."""

from __future__ import annotations

import inspect
import logging

import pytest
from aiokafka.consumer import group_coordinator
from aiokafka.errors import UnknownMemberIdError
from structlog.testing import capture_logs

from shared.messaging.membership import (COORDINATOR_LOGGER, EVICTED, EVICTIONS, THRESHOLD,
                                         WINDOW_S, MembershipWatch, watch_membership)

HEARTBEAT_LINE = ("Heartbeat failed: local member_id was not recognized; resetting and "
                  "re-joining group")


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def watch():
    """The watch as the runtime installs it, on a fake monotonic clock; removed after."""
    logger = logging.getLogger(COORDINATOR_LOGGER)
    level = logger.level
    w = watch_membership("deadlines", "deadlines-7")
    w._now = FakeTime()
    yield w
    logger.removeFilter(w)
    logger.setLevel(level)


def heartbeat_evicted() -> None:
    """What aiokafka's heartbeat logs when the broker no longer knows the member."""
    logging.getLogger(COORDINATOR_LOGGER).warning(HEARTBEAT_LINE)


def commit_evicted(partitions: int = 4) -> None:
    """What aiokafka's offset commit logs then: one error per partition of the commit."""
    for _ in range(partitions):
        logging.getLogger(COORDINATOR_LOGGER).error(
            "OffsetCommit failed for group %s due to group error (%s), will rejoin",
            "xn.deadlines", UnknownMemberIdError("xn.deadlines"))


def every_3_s(watch, n: int, evict=heartbeat_evicted) -> None:
    """n evictions at a twin's pace (its heartbeat interval)."""
    for _ in range(n):
        evict()
        watch._now.t += 3


async def test_a_run_of_evictions_fails_readiness_naming_the_instance(watch):
    before = EVICTIONS.labels("deadlines")._value.get()
    with capture_logs() as logs:
        every_3_s(watch, THRESHOLD - 1)
        await watch.probe()  # not yet: a broker restart costs one or two
        assert not [e for e in logs if e["log_level"] == "error"]
        every_3_s(watch, 1)
        with pytest.raises(RuntimeError, match="XN_KAFKA_INSTANCE_ID=deadlines-7"):
            await watch.probe()
        every_3_s(watch, 3)  # still contested: reported once per episode
    errors = [e for e in logs if e["log_level"] == "error"]
    assert len(errors) == 1 and errors[0]["instance_id"] == "deadlines-7", errors
    assert EVICTIONS.labels("deadlines")._value.get() - before == THRESHOLD + 3


async def test_a_busy_consumer_learns_it_from_its_offset_commits(watch):
    """A consumer committing every batch hears of the eviction from a commit (an error per
    partition) before its next heartbeat: the lines of one commit are one eviction."""
    every_3_s(watch, 1, commit_evicted)
    assert not watch.contested()
    every_3_s(watch, THRESHOLD - 1, commit_evicted)
    with pytest.raises(RuntimeError, match="evicted from the consumer group 5 times"):
        await watch.probe()


async def test_the_commit_and_heartbeat_lines_of_one_eviction_count_once(watch):
    for _ in range(THRESHOLD - 1):
        commit_evicted()
        heartbeat_evicted()
        watch._now.t += 3
    await watch.probe()


async def test_busy_twins_evicting_each_other_at_every_commit_are_reported(watch):
    """Seen in CI: seven failed commits 0.2-0.4 s apart, then quiet."""
    for _ in range(THRESHOLD):
        commit_evicted()
        watch._now.t += 0.2
    with pytest.raises(RuntimeError, match="evicted from the consumer group 5 times"):
        await watch.probe()


async def test_readiness_returns_once_the_evictions_stop_and_a_new_episode_is_reported(watch):
    with capture_logs() as logs:
        every_3_s(watch, THRESHOLD)
        assert watch.contested()
        watch._now.t += WINDOW_S
        await watch.probe()  # the window passed without evictions
        every_3_s(watch, THRESHOLD)
        assert watch.contested()
    assert len([e for e in logs if e["log_level"] == "error"]) == 2


async def test_evictions_spread_wider_than_the_window_never_add_up(watch):
    for _ in range(3 * THRESHOLD):
        heartbeat_evicted()
        watch._now.t += WINDOW_S / (THRESHOLD - 1) + 0.1
    await watch.probe()


def test_other_coordinator_lines_are_not_evictions(watch):
    for _ in range(2 * THRESHOLD):
        logging.getLogger(COORDINATOR_LOGGER).warning(
            "Heartbeat failed for group %s because it is rebalancing", "g")
        watch._now.t += 3
    assert not watch.contested()


def test_a_failing_watch_does_not_break_the_code_that_logged(watch, monkeypatch):
    def broken() -> None:
        raise RuntimeError("bug in the watch")
    monkeypatch.setattr(watch, "evicted", broken)
    heartbeat_evicted()  # aiokafka's heartbeat goes on
    commit_evicted()


def test_the_services_log_level_still_decides_what_is_shown(caplog):
    """The coordinator logger is opened to warnings for the watch; at XN_LOG_LEVEL=ERROR the
    warnings are counted but not written."""
    aiokafka, coordinator = logging.getLogger("aiokafka"), logging.getLogger(COORDINATOR_LOGGER)
    old = aiokafka.level, coordinator.level
    aiokafka.setLevel(logging.ERROR)
    w = watch_membership("notify", None)
    w._now = FakeTime()
    try:
        with caplog.at_level(logging.DEBUG):
            every_3_s(w, THRESHOLD)
        assert w.contested()
        assert not [r for r in caplog.records if r.name == COORDINATOR_LOGGER]
    finally:
        aiokafka.setLevel(old[0])
        coordinator.setLevel(old[1])
        coordinator.removeFilter(w)


def test_installed_again_the_watch_replaces_the_earlier_one():
    logger = logging.getLogger(COORDINATOR_LOGGER)
    level = logger.level
    first = watch_membership("intake", None)
    second = watch_membership("intake", None)
    try:
        watches = [f for f in logger.filters if isinstance(f, MembershipWatch)]
        assert watches == [second] and first is not second
    finally:
        logger.removeFilter(second)
        logger.setLevel(level)


async def test_a_dynamic_member_is_told_the_likelier_cause():
    w = MembershipWatch("notify", None, logging.WARNING, now=FakeTime())
    for _ in range(THRESHOLD):
        w.evicted()
        w._now.t += 3
    with pytest.raises(RuntimeError, match="missing its session"):
        await w.probe()


def test_the_installed_aiokafka_still_reports_evictions_as_the_watch_expects():
    """An aiokafka upgrade that words these lines otherwise would blind the watch silently."""
    source = inspect.getsource(group_coordinator)
    assert EVICTED in source
    commit = source[source.index("OffsetCommit failed for group %s due to group"):][:200]
    assert "will rejoin" in commit and "error," in commit
    # ...and the commit's error is logged in the branch that handles an unknown member.
    branch = source[:source.index("OffsetCommit failed for group %s due to group")]
    assert "Errors.UnknownMemberIdError," in branch[branch.rindex("elif error_type in ("):]
