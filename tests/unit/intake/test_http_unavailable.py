"""The HTTP door when the database is away: a 503 with Retry-After (nothing was recorded; the
caller sends it again, safely with its Idempotency-Key), not a bare 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.intake.auth import new_key
from services.intake.commands import COMMANDS
from services.intake.http_api import HttpDeps, install_api
from shared.clock import SystemClock
from shared.db import make_engine, session_factory


async def test_a_request_while_the_database_is_away_gets_503_and_retry_after():
    # Port 1 on loopback: nothing listens, every connection is refused.
    engine = make_engine("postgresql+asyncpg://xn:xn@127.0.0.1:1/xiaoneng", pool_size=1)
    app = FastAPI()
    install_api(app, HttpDeps(session_factory(engine), "intake", SystemClock()))
    path = COMMANDS["complaint.filed"].path
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://intake") as http:
            r = await http.post(path, json={"complaint_id": "C-1"},
                                headers={"X-Api-Key": new_key()[1], "Idempotency-Key": "i-1"})
    finally:
        await engine.dispose()
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"] == "1"
    assert r.json()["error"] == "unavailable"
    assert r.json()["errors"][0]["field"] == "database"
