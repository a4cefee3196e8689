"""The only place that reads settings: builds the dependencies and registers subscribers,
routes and the start-up job that stores the configured rule book."""

from __future__ import annotations

import asyncio

from shared.logs import get_logger
from shared.runtime import Runtime, run

from . import http, subscribers
from .domain import RuleBookError
from .handlers import ACCEPTS, make_handler, make_prepare
from .rulebook_store import store_rulebook
from .settings import AccountabilitySettings
from .wiring import Deps, Topics, deadlines_calendar

SERVICE = SCHEMA = "accountability"
log = get_logger(__name__)


def setup(rt: Runtime) -> None:
    settings: AccountabilitySettings = rt.settings  # type: ignore[assignment]
    deps = Deps(topics=Topics(), calendar=deadlines_calendar(settings.calendar_dir))
    subscribers.register(rt.broker, rt.pipeline, make_handler(deps), deps.topics,
                         prepare=make_prepare(deps), accepts=ACCEPTS,
                         instance_id=settings.kafka_instance_id)
    http.add_routes(rt.http, rt.sessions, rt.schema)
    loaded = asyncio.Event()

    async def ensure_rulebook() -> None:
        body = settings.rulebook_path.read_text(encoding="utf-8")
        while True:
            try:
                async with rt.sessions() as s, s.begin():
                    book, new = await store_rulebook(s, rt.schema, body)
                log.info("rule book stored" if new else "rule book already stored",
                         version=book.version, path=str(settings.rulebook_path))
                break
            except RuleBookError as exc:  # keep what the database holds; say why, loudly
                log.error("configured rule book refused; versions already stored stay in force",
                          path=str(settings.rulebook_path), problems=exc.problems)
                break
            except Exception as exc:  # database not migrated/reachable yet
                log.warning("cannot store the rule book yet; retrying", error=repr(exc))
                await asyncio.sleep(1.0)
        loaded.set()

    async def rulebook_ready() -> None:
        if not loaded.is_set():
            raise RuntimeError("rule book not stored yet")

    rt.background.append(ensure_rulebook)
    rt.health.readiness_probes["rulebook"] = rulebook_ready


def main() -> None:
    run(SERVICE, SCHEMA, AccountabilitySettings(), setup)
