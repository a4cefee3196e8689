"""Intake's store for one batch of door messages: the batch's case rows are read in one query per
table before its handlers run, and its writes are staged and written in one statement per table
before the commit.

Per message the handlers read a case (matter, complaint) or claim a new id (finding, report)
and write it back: two or three round trips each, most of the door's cost. Here the rows the
batch names are read at once (FOR UPDATE, as Store reads them) and written at once. Anything not
loaded up front (roster, campaigns, appeals, a case no message named) goes to the database
directly, as in Store: those are rare on the doors.

A staged claim was checked against the rows read at the start. Another transaction inserting
the same id in between makes the final INSERT fail on the primary key; the batch then rolls
back and the pipeline redoes it one message at a time through the plain Store."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.complaints import Complaint
from services.intake.domain.matters import Matter
from services.intake.store import (COMPLAINTS, MATTERS, PUT_COMPLAINT, PUT_MATTER, Store,
                                   claim_sql, complaint_of, complaint_row, matter_row, statement)

T = TypeVar("T")


def as_stored(row: T) -> T:
    """The row as reading it back would give it: PostgreSQL returns timestamps in UTC, and the
    events built from a case carry its times as read, so the batch must see the same."""
    changes = {f.name: v.astimezone(timezone.utc) for f in dataclasses.fields(row)
               if isinstance(v := getattr(row, f.name), datetime)}
    return dataclasses.replace(row, **changes) if changes else row


# Tables whose rows are only claimed (inserted once, never read back by the door handlers).
CLAIM_KEYS = {"findings": "finding_id", "reports": "submission_id"}


class BatchStore(Store):
    def __init__(self, session: AsyncSession, schema: str) -> None:
        super().__init__(session, schema)
        self._matters: dict[str, Matter | None] = {}  # read or staged; None: known absent
        self._complaints: dict[str, Complaint | None] = {}
        self._existing: dict[str, set[str]] = {}  # claim table → ids on record or claimed here
        self._known: dict[str, set[str]] = {}  # claim table → ids whose presence is known
        self._dirty_matters: dict[str, Matter] = {}
        self._dirty_complaints: dict[str, Complaint] = {}
        self._claims: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}

    async def load(self, ids: dict[str, set[str]]) -> None:
        """Read the rows of every case id the batch names: {"matters": {...}, "complaints":
        {...}, "findings": {...}, "reports": {...}} — one query per table."""
        if want := ids.get("matters"):
            self._matters.update(dict.fromkeys(want))
            for r in await self._all(MATTERS + "WHERE matter_id = ANY(:ids) FOR UPDATE",
                                     ids=list(want)):
                self._matters[r.matter_id] = Matter(**r._mapping)
        if want := ids.get("complaints"):
            self._complaints.update(dict.fromkeys(want))
            for r in await self._all(COMPLAINTS + "WHERE complaint_id = ANY(:ids) FOR UPDATE",
                                     ids=list(want)):
                self._complaints[r.complaint_id] = complaint_of(r)
        for table, key_col in CLAIM_KEYS.items():
            if want := ids.get(table):
                rows = await self._all(f"SELECT {key_col} AS k FROM {{s}}.{table} "
                                       f"WHERE {key_col} = ANY(:ids)", ids=list(want))
                self._existing.setdefault(table, set()).update(r.k for r in rows)
                self._known.setdefault(table, set()).update(want)

    async def matter(self, matter_id: str) -> Matter | None:
        if matter_id not in self._matters:
            self._matters[matter_id] = await super().matter(matter_id)
        return self._matters[matter_id]

    async def put_matter(self, m: Matter) -> None:
        self._matters[m.matter_id] = self._dirty_matters[m.matter_id] = as_stored(m)

    async def complaint(self, complaint_id: str) -> Complaint | None:
        if complaint_id not in self._complaints:
            self._complaints[complaint_id] = await super().complaint(complaint_id)
        return self._complaints[complaint_id]

    async def put_complaint(self, x: Complaint) -> None:
        self._complaints[x.complaint_id] = self._dirty_complaints[x.complaint_id] = as_stored(x)

    async def claim_id(self, table: str, key_col: str, key: str, **cols: Any) -> bool:
        if key not in self._known.get(table, ()):
            return await super().claim_id(table, key_col, key, **cols)
        existing = self._existing[table]
        if key in existing:
            return False
        existing.add(key)
        names = (key_col, *cols)
        self._claims.setdefault((table, names), []).append({key_col: key, **cols})
        return True

    async def flush(self) -> None:
        """Write what the batch staged: one executemany per table."""
        await self._many(PUT_MATTER, (matter_row(m) for m in self._dirty_matters.values()))
        await self._many(PUT_COMPLAINT, (complaint_row(x) for x in self._dirty_complaints.values()))
        for (table, names), rows in self._claims.items():
            await self._many(claim_sql(table, list(names)), rows)  # a raced id fails here
        self._dirty_matters.clear()
        self._dirty_complaints.clear()
        self._claims.clear()

    async def _many(self, sql: str, rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            await self.session.execute(statement(sql, self.s), rows)
