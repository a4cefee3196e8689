"""Rows a consumer transaction writes, sent in one executemany per statement at its end.

The pipeline calls the handler once per message but commits once per batch of up to 500; rows
staged here reach PostgreSQL in a few round trips per batch instead of one or more per message.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TextClause
from sqlalchemy.ext.asyncio import AsyncSession


class Staged:
    """Parameter sets per statement, executed in order of each statement's first use; the rows
    of one statement keep the order they were staged in (executemany runs them in order)."""

    def __init__(self) -> None:
        self._rows: dict[TextClause, list[dict[str, Any]]] = {}

    def add(self, statement: TextClause, params: dict[str, Any]) -> None:
        self._rows.setdefault(statement, []).append(params)

    async def write(self, session: AsyncSession) -> None:
        rows, self._rows = self._rows, {}
        for statement, params in rows.items():
            await session.execute(statement, params)
