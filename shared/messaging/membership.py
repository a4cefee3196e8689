"""Notices when this process keeps losing its consumer-group membership.

Two running processes under one XN_KAFKA_INSTANCE_ID take the static membership from each other
at every heartbeat: each is told its member id is no longer known, rejoins, and so evicts the
other. Both stay up and consume by fits. A check at start-up cannot see it (described from
outside, a live twin looks just like the dead process a restart replaces), but the evictions
themselves can: one now and then is a broker restart or a long stall, one every few seconds is a
twin. aiokafka reports an eviction only in its log, so the watch reads that log.

While evictions keep coming (`threshold` within `window_s`), the process says so: one error line
naming the instance id, a failing `kafka_membership` readiness check, and the counter
`xn_kafka_group_evictions_total` for an alert rule."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from aiokafka.errors import UnknownMemberIdError
from prometheus_client import Counter

from shared.logs import get_logger

log = get_logger(__name__)
EVICTIONS = Counter("xn_kafka_group_evictions_total",
                    "Times the broker told this process its consumer-group member id is unknown",
                    ["service"])
COORDINATOR_LOGGER = "aiokafka.consumer.group_coordinator"
# aiokafka 0.14 says so in two places (consumer/group_coordinator.py): the heartbeat's warning,
# with these words, and an offset commit's error, with the UnknownMemberIdError among its
# arguments, once per partition. A busy consumer commits every batch, so it usually learns it
# from a commit before its next heartbeat.
EVICTED = "local member_id was not recognized"
# The lines of one eviction (a commit's, one per partition) come within a few milliseconds;
# busy twins evict each other at every commit, 0.2-0.4 s apart (seen in CI: seven in 1.8 s,
# then quiet), idle ones at every heartbeat (3 s).
SAME_EVICTION_S = 0.1
# 5 within a minute takes a twin ~15 s to reach; a broker restart costs one or two.
WINDOW_S = 60.0
THRESHOLD = 5


def is_eviction(record: logging.LogRecord) -> bool:
    """From the record's template and arguments, not the formatted message: cheaper, and
    nothing in it can raise."""
    if isinstance(record.msg, str) and EVICTED in record.msg:
        return True
    args = record.args if isinstance(record.args, tuple) else ()
    return any(isinstance(a, UnknownMemberIdError) for a in args)


class MembershipWatch(logging.Filter):
    """A filter on aiokafka's group-coordinator logger: counts evictions, and passes on only the
    lines the service's log level would have shown (the logger itself is opened to warnings, so
    that the watch sees them whatever that level)."""

    def __init__(self, service: str, instance_id: str | None, shown_from: int, *,
                 window_s: float = WINDOW_S, threshold: int = THRESHOLD,
                 now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.service, self.instance_id, self.shown_from = service, instance_id, shown_from
        self.window_s, self.threshold, self._now = window_s, threshold, now
        self._seen: deque[float] = deque()
        self._reported = False

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if is_eviction(record):
                self.evicted()
        except Exception:
            # A filter's exception reaches whoever logged: aiokafka's heartbeat or offset
            # commit, which the watch must never break.
            pass
        return record.levelno >= self.shown_from

    def evicted(self) -> None:
        now = self._now()
        if self._seen and now - self._seen[-1] < SAME_EVICTION_S:
            return  # another line of the same eviction
        EVICTIONS.labels(self.service).inc()
        self._seen.append(now)
        if self.contested() and not self._reported:
            self._reported = True
            log.error("kafka group membership contested: this process keeps being evicted",
                      evictions=len(self._seen), window_s=self.window_s,
                      instance_id=self.instance_id, hint=self._hint())

    def contested(self) -> bool:
        """Whether `threshold` evictions fall within the last `window_s` (older ones are
        forgotten here; below the threshold, a later episode is reported again)."""
        while self._seen and self._seen[0] < self._now() - self.window_s:
            self._seen.popleft()
        contested = len(self._seen) >= self.threshold
        if not contested:
            self._reported = False
        return contested

    async def probe(self) -> None:
        """Readiness: fails while evictions keep coming."""
        if self.contested():
            raise RuntimeError(f"evicted from the consumer group {len(self._seen)} times in "
                               f"{self.window_s:.0f} s; {self._hint()}")

    def _hint(self) -> str:
        if self.instance_id:
            return (f"another running process probably has XN_KAFKA_INSTANCE_ID="
                    f"{self.instance_id}; give each its own name")
        return "the consumer keeps missing its session (stalled event loop, or the broker's)"


def watch_membership(service: str, instance_id: str | None) -> MembershipWatch:
    """Install the watch on aiokafka's coordinator logger and return it. Installed again (a
    second runtime in one process), it replaces the earlier one instead of counting twice."""
    logger = logging.getLogger(COORDINATOR_LOGGER)
    shown_from = logging.getLogger("aiokafka").getEffectiveLevel()
    for old in [f for f in logger.filters if isinstance(f, MembershipWatch)]:
        logger.removeFilter(old)
    watch = MembershipWatch(service, instance_id, shown_from)
    logger.addFilter(watch)
    logger.setLevel(min(logging.WARNING, shown_from))
    return watch
