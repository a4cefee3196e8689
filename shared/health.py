"""Liveness and readiness that reflect real progress, plus Prometheus metrics, over HTTP.

/livez fails when a consumer has had lag for longer than `stuck_after_s` without processing
anything (aiokafka can silently stop fetching after a broker restart) or the outbox relay has not
completed a round for that long; /readyz fails when PostgreSQL or the broker does not answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Probe = Callable[[], Awaitable[None]]


@dataclass
class HealthState:
    stuck_after_s: float = 60.0
    readiness_probes: dict[str, Probe] = field(default_factory=dict)
    # name -> (seconds since last progress, is there pending work?)
    progress: dict[str, Callable[[], tuple[float, bool]]] = field(default_factory=dict)

    def liveness(self) -> tuple[bool, dict]:
        detail, ok = {}, True
        for name, fn in self.progress.items():
            idle, pending = fn()
            stuck = pending and idle > self.stuck_after_s
            ok &= not stuck
            detail[name] = {"idle_s": round(idle, 1), "pending": pending, "stuck": stuck}
        return ok, detail

    async def readiness(self) -> tuple[bool, dict]:
        detail, ok = {}, True
        for name, probe in self.readiness_probes.items():
            try:
                await asyncio.wait_for(probe(), 3.0)
                detail[name] = "ok"
            except Exception as exc:
                ok = False
                detail[name] = f"failing: {type(exc).__name__}: {exc}"[:200]
        return ok, detail


def since(monotonic_mark: float) -> float:
    return time.monotonic() - monotonic_mark


def health_routes(app: FastAPI, state: HealthState) -> None:
    @app.get("/livez", include_in_schema=False)
    async def livez(response: Response) -> dict:
        ok, detail = state.liveness()
        response.status_code = 200 if ok else 503
        return {"status": "ok" if ok else "stuck", "checks": detail}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(response: Response) -> dict:
        ok, detail = await state.readiness()
        response.status_code = 200 if ok else 503
        return {"status": "ok" if ok else "unavailable", "checks": detail}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
