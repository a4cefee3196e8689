"""Read routes for operators and other systems (the CLI prints the same)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import queries


def add_routes(app: FastAPI, sessions: async_sessionmaker[AsyncSession], schema: str) -> None:
    @app.get("/measures/{measure_id}")
    async def get_measure(measure_id: str) -> dict:
        async with sessions() as s:
            found = await queries.explain(s, schema, measure_id)
        if found is None:
            raise HTTPException(404, f"no measure {measure_id}")
        return found

    @app.get("/scores")
    async def get_scores(period: str | None = None) -> dict:
        async with sessions() as s:
            period, rows = await queries.ranking(s, schema, period)
        return {"period": period, "ranking": rows}

    @app.get("/bulletins/{year}/{month}")
    async def get_bulletin(year: int, month: int) -> dict:
        if not 1 <= month <= 12:
            raise HTTPException(422, "month must be 1..12")
        async with sessions() as s:
            return {"year": year, "month": month, "text": await queries.bulletin(s, schema, year, month)}
