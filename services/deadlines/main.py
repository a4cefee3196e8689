"""The only place that reads settings: builds the deadlines service and runs it."""

from __future__ import annotations

from services.deadlines.api import board_routes
from services.deadlines.calendars import CalendarProvider
from services.deadlines.deps import Deps, Topics
from services.deadlines.domain import load_rule_book
from services.deadlines.handlers import ACCEPTS, make_handler, prepare_batch
from services.deadlines.metrics import refresh_open_gauge
from services.deadlines.poller import Poller
from services.deadlines.settings import DeadlinesSettings
from services.deadlines.subscribers import register
from shared.health import since
from shared.runtime import Runtime, run

SERVICE = SCHEMA = "deadlines"


def setup(rt: Runtime) -> None:
    s: DeadlinesSettings = rt.settings  # type: ignore[assignment]
    deps = Deps(rules=load_rule_book(s.rules_path),
                calendars=CalendarProvider.from_directory(rt.schema, s.calendar_dir),
                topics=Topics())
    register(rt.broker, rt.pipeline, make_handler(deps), deps.topics, group_id=SERVICE,
             prepare=prepare_batch, accepts=ACCEPTS, instance_id=s.kafka_instance_id)
    poller = Poller(sessions=rt.sessions, schema=rt.schema, clock=rt.clock, deps=deps,
                    batch=s.poll_batch, interval_s=s.poll_interval_s, wake=rt.relay.wake)
    rt.background.append(poller.run)
    rt.background.append(lambda: refresh_open_gauge(rt.sessions, rt.schema))
    # The poller always has work in the future: "pending" so a hung loop fails liveness.
    rt.health.progress["deadline_poller"] = lambda: (since(poller.last_progress), True)
    board_routes(rt.http, rt.sessions, rt.schema)


def main() -> None:
    run(SERVICE, SCHEMA, DeadlinesSettings(), setup)
