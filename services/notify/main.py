"""The only place that reads settings: builds the dependencies, registers the subscriber, the
sender loop and the read routes on the shared Runtime."""

from __future__ import annotations

import asyncio

from shared.runtime import Runtime, run
from shared.health import since

from . import http, subscribers
from .delivery import RetryPolicy
from .handlers import ACCEPTS, make_handler, make_prepare
from .roster import RosterCache
from .sender import Sender
from .settings import NotifySettings
from .wiring import channels_from, deps_from

SERVICE = SCHEMA = "notify"


def setup(rt: Runtime) -> None:
    settings: NotifySettings = rt.settings  # type: ignore[assignment]
    deps = deps_from(settings)
    sender = Sender(
        sessions=rt.sessions, schema=rt.schema, clock=rt.clock,
        channels=channels_from(settings, rt.clock), deps=deps,
        policy=RetryPolicy(settings.send_max_attempts, settings.send_backoff_s,
                           settings.send_backoff_max_s),
        batch=settings.sender_batch, concurrency=settings.sender_concurrency,
        lease_s=settings.sender_lease_s, poll_s=settings.sender_poll_s, wake_relay=rt.relay.wake)
    roster = RosterCache()  # the consumer's copy of the roster, shared by its two steps
    subscribers.register(rt.broker, rt.pipeline, make_handler(deps, roster), deps.topics,
                         on_applied=sender.wake, prepare=make_prepare(roster),
                         accepts=ACCEPTS, instance_id=settings.kafka_instance_id)
    http.add_routes(rt.http, rt.sessions, rt.schema)

    stopped = asyncio.Event()

    async def sender_loop() -> None:
        try:
            await sender.run()
        finally:
            stopped.set()

    async def drain_sender() -> None:  # the sends in flight are recorded before the exit
        sender.stop()
        await stopped.wait()

    rt.background.append(sender_loop)
    rt.drains.append(drain_sender)
    # The sender turns at least every poll interval; a stalled one fails liveness.
    rt.health.progress["sender"] = lambda: (since(sender.last_progress), True)


def main() -> None:
    run(SERVICE, SCHEMA, NotifySettings(), setup)
