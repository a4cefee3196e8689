"""The intake process: the HTTP API on the runtime's FastAPI app, the Kafka doors on its broker.
The only place that reads settings."""

from __future__ import annotations

from services.intake.asyncapi import declare_outputs
from services.intake.context import Topics
from services.intake.http_api import HttpDeps, install_api
from services.intake.roster_cache import RosterCache
from services.intake.settings import IntakeSettings
from services.intake.subscribers import Doors, build_door_router
from shared.runtime import Runtime, run

SERVICE = SCHEMA = "intake"


def setup(rt: Runtime, topics: Topics | None = None, doors: Doors | None = None) -> None:
    topics = topics or Topics()
    cache = RosterCache()  # one per process, shared by both doors
    install_api(rt.http, HttpDeps(rt.sessions, rt.schema, rt.clock, topics, rt.relay.wake,
                                  cache=cache))
    rt.broker.include_router(build_door_router(rt.pipeline, topics, doors or Doors(), cache=cache,
                                               instance_id=rt.settings.kafka_instance_id))
    declare_outputs(rt.broker, topics)  # documentation only: the outbox relay publishes


def main() -> None:
    run(SERVICE, SCHEMA, IntakeSettings(), setup)


if __name__ == "__main__":
    main()
