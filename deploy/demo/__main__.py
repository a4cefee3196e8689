"""The live demo county: publishes a campaign's facts through the documented doors (HTTP for
the hotline, inspection teams and the office; Kafka for the government-service platform) as the
shared virtual clock passes their instants.

    uv run python -m deploy.demo     (started by deploy/run.sh unless --no-demo)

Variables: XN_DEMO_INTAKE_URL (http://127.0.0.1:8001), XN_DEMO_SEED, XN_DEMO_UNITS,
XN_DEMO_DAYS, XN_DEMO_MATTERS_PER_DAY, XN_DEMO_COMPLAINTS_PER_DAY, plus the services' own
XN_KAFKA_BOOTSTRAP, XN_DATABASE_URL and XN_CLOCK_* (the demo keeps to the services' clock)."""

from __future__ import annotations

import asyncio
import os
import sys

from deploy.demo.scenario import build
from deploy.demo.sender import Sender
from shared.clock import clock_from_settings
from shared.logs import configure_logging, get_logger
from shared.settings import ServiceSettings

log = get_logger("demo")


async def main() -> int:
    settings = ServiceSettings()
    configure_logging("demo", settings.log_level, settings.log_format)
    clock = clock_from_settings(settings.clock_epoch, settings.clock_speed, settings.clock_anchor)
    env = os.environ.get
    scenario = build(seed=int(env("XN_DEMO_SEED", "2026")),
                     units=int(env("XN_DEMO_UNITS")) if env("XN_DEMO_UNITS") else None,
                     days=int(env("XN_DEMO_DAYS", "20")),
                     matters_per_day=int(env("XN_DEMO_MATTERS_PER_DAY", "150")),
                     complaints_per_day=int(env("XN_DEMO_COMPLAINTS_PER_DAY", "15")))
    log.info("demo county built", units=len(scenario.units), facts=len(scenario.facts),
             expected_red_cards=len(scenario.expected.red_matters),
             virtual_start=scenario.start.isoformat(), virtual_end=scenario.end.isoformat())
    sender = Sender(intake_url=env("XN_DEMO_INTAKE_URL", "http://127.0.0.1:8001"),
                    kafka_bootstrap=settings.kafka_bootstrap, database_dsn=settings.database_dsn)
    await sender.start()
    try:
        await sender.run(scenario.facts, clock)
    finally:
        await sender.stop()
    log.info("demo finished: every fact published", **sender.counts)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:  # Ctrl-C on deploy/run.sh: a stop, not a crash worth a traceback
        log.info("demo stopped before its end")
        sys.exit(130)
