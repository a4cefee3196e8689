"""Read endpoint for operators: open / yellow / red deadlines per unit."""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Query
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.deadlines import store


async def read_board(sessions: async_sessionmaker[AsyncSession], schema: str,
                     unit: str | None, limit: int = 200) -> dict:
    async with sessions() as session:
        return {"units": await store.board_counts(session, schema, unit),
                "deadlines": await store.board(session, schema, unit, limit)}


def board_routes(app: FastAPI, sessions: async_sessionmaker[AsyncSession], schema: str) -> None:
    @app.get("/deadlines/board", summary="Open deadlines per unit, red and yellow cards first")
    async def board(unit: Annotated[str | None, Query(description="unit code")] = None,
                    limit: Annotated[int, Query(ge=1, le=5000)] = 200) -> dict:
        return await read_board(sessions, schema, unit, limit)
