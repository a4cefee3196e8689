"""Read-only routes over the delivery log for operators' tools (masked like the CLI)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import store
from .views import attempt_view, notice_view


def add_routes(app: FastAPI, sessions: async_sessionmaker[AsyncSession], schema: str) -> None:
    @app.get("/notices")
    async def list_notices(status: str = "failed", limit: int = 100) -> list[dict]:
        async with sessions() as s:
            return [notice_view(n) for n in await store.by_status(s, schema, status, limit)]

    @app.get("/notices/{notice_id}")
    async def show_notice(notice_id: str) -> dict:
        async with sessions() as s:
            n = await store.get(s, schema, notice_id)
            if n is None:
                raise HTTPException(404, f"no notice {notice_id}")
            return {**notice_view(n), "attempts": [attempt_view(a) for a in
                                                   await store.attempts(s, schema, notice_id)]}
