"""What every service process has: settings, logging, migrations, database engine, idempotent
producer, outbox relay, the at-least-once pipeline, a faststream broker and an HTTP server for
health and metrics. A service's main.py builds a Runtime and hands it its routers."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared import events  # noqa: F401  (registers every payload type)
from shared import gc_policy
from shared.clock import Clock, clock_from_settings
from shared.db import make_engine, session_factory
from shared.health import HealthState, health_routes, since
from shared.logs import configure_logging, get_logger
from shared import topics
from shared.messaging.admin import ensure_topics
from shared.messaging.membership import watch_membership
from shared.messaging.outbox import OutboxRelay, make_producer
from shared.messaging.pipeline import Pipeline
from shared.migrations import migrations_dir, upgrade_async
from shared.settings import ServiceSettings

log = get_logger(__name__)
DRAIN_S = 20.0


@dataclass
class Runtime:
    service: str
    schema: str
    settings: ServiceSettings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    relay: OutboxRelay
    pipeline: Pipeline
    broker: KafkaBroker
    http: FastAPI
    health: HealthState
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Awaited at SIGTERM (for at most DRAIN_S) before the background jobs are cancelled: work
    # already begun is finished and recorded, so a clean stop re-does nothing after restart.
    drains: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def build_runtime(service: str, schema: str, settings: ServiceSettings,
                  clock: Clock | None = None, http: FastAPI | None = None) -> Runtime:
    clock = clock or clock_from_settings(settings.clock_epoch, settings.clock_speed,
                                         settings.clock_anchor)
    engine = make_engine(settings.database_dsn, settings.db_pool_size)
    sessions = session_factory(engine)
    producer = make_producer(settings.kafka_bootstrap, f"{service}-outbox")
    relay = OutboxRelay(engine, schema, producer, poll_s=settings.outbox_poll_s, service=service)
    pipeline = Pipeline(service=service, consumer=service, schema=schema, sessions=sessions,
                        producer=producer, clock=clock, relay_wake=relay.wake,
                        max_attempts=settings.max_attempts, backoff_s=settings.retry_backoff_s,
                        backoff_max_s=settings.retry_backoff_max_s)
    # faststream's per-message access lines ("Received"/"Processed") at DEBUG: at thousands of
    # events a second they would drown the lines operators need, and cost CPU.
    broker = KafkaBroker(settings.kafka_bootstrap, client_id=service, graceful_timeout=30.0,
                         logger=get_logger(f"{service}.broker"), log_level=logging.DEBUG)
    broker.context.set_global("pipeline", pipeline)
    broker.context.set_global("clock", clock)
    http = http or FastAPI(title=f"xiaoneng {service}")
    health = HealthState()
    rt = Runtime(service, schema, settings, clock, engine, sessions, producer, relay, pipeline,
                 broker, http, health)
    health.readiness_probes["postgresql"] = lambda: _ping_db(engine)
    health.readiness_probes["kafka"] = lambda: _ping_kafka(producer)
    health.readiness_probes["kafka_membership"] = watch_membership(
        service, settings.kafka_instance_id).probe
    health.progress["outbox_relay"] = lambda: (since(relay.last_progress), True)
    health.progress["consumer"] = lambda: (since(pipeline.last_progress), _has_lag(broker))
    health_routes(http, health)
    return rt


async def _ping_db(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _ping_kafka(producer: AIOKafkaProducer) -> None:
    await producer.client.fetch_all_metadata()


def _has_lag(broker: KafkaBroker) -> bool:
    """True when some assigned partition has records beyond our position (work is waiting).
    Reads aiokafka's fetch state without a network round trip (the probe must be cheap)."""
    for sub in broker.subscribers:
        consumer = getattr(sub, "consumer", None)
        if consumer is None:
            continue
        try:
            assignment = consumer._subscription.subscription.assignment
            for tp in consumer.assignment():
                state = assignment.state_value(tp)
                if (state.highwater is not None and state.has_valid_position
                        and state.highwater > state.position):
                    return True
        except Exception:  # rebalancing: no assignment to judge
            continue
    return False


async def _start_with_retry(what: str, start: Callable[[], Awaitable[None]]) -> None:
    delay = 0.5
    while True:
        try:
            await start()
            return
        except Exception as exc:
            log.warning(f"{what} not reachable yet; retrying", error=repr(exc), retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


async def serve(rt: Runtime) -> None:
    """Run until SIGTERM/SIGINT; on the signal, finish the message in hand, ack, and leave."""
    s = rt.settings
    await _start_with_retry("postgresql", lambda: upgrade_async(migrations_dir(rt.service), rt.schema, s.database_dsn))
    await _start_with_retry("kafka topics", lambda: ensure_topics(
        s.kafka_bootstrap, topics.ALL, s.topic_partitions, s.topic_replication))
    await _start_with_retry("kafka producer", rt.producer.start)
    relay_task = asyncio.create_task(rt.relay.run(), name="outbox-relay")
    extra = [asyncio.create_task(job(), name=getattr(job, "__name__", "job")) for job in rt.background]
    await _start_with_retry("kafka broker", rt.broker.start)
    server = uvicorn.Server(uvicorn.Config(rt.http, host=s.http_host, port=s.http_port,
                                           log_config=None, access_log=False, lifespan="off"))
    http_task = asyncio.create_task(server.serve(), name="http")
    log.info("service started", http_port=s.http_port)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping: draining the message in hand")
    await rt.broker.stop()  # waits (graceful_timeout) for running handlers, which ack
    if rt.drains:
        try:
            await asyncio.wait_for(asyncio.gather(*(d() for d in rt.drains)), DRAIN_S)
        except TimeoutError:
            log.warning("background work not finished at stop; it is redone after restart",
                        limit_s=DRAIN_S)
    for t in extra:
        t.cancel()
    rt.relay.stop()
    try:
        await asyncio.wait_for(relay_task, 10)
    except (TimeoutError, asyncio.CancelledError):
        relay_task.cancel()
    server.should_exit = True
    await asyncio.wait_for(rt.producer.stop(), 10)
    await http_task
    await rt.engine.dispose()
    log.info("stopped")


def run(service: str, schema: str, settings: ServiceSettings,
        setup: Callable[[Runtime], None]) -> None:
    configure_logging(service, settings.log_level, settings.log_format)

    async def main() -> None:
        # Built inside the loop: aiokafka refuses to create a producer outside a running loop.
        rt = build_runtime(service, schema, settings)
        setup(rt)
        gc_policy.apply()  # last: everything built so far lives as long as the process
        await serve(rt)

    asyncio.run(main())
