"""Migration 0004 over rows an older version wrote: the measures that owe a rectification get
their decided_at as the time it was first ordered (the best known); the others stay NULL."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from services.accountability.main import SERVICE
from shared.db import make_engine
from shared.migrations import migrations_dir, upgrade

pytestmark = pytest.mark.integration
AT = datetime(2026, 3, 6, 1, 0, tzinfo=timezone.utc)

# name -> (code, status, superseded, rectification period in the body); "owes" alone owes one
ROWS = {
    "owes": ("supervision", "in_force", False, 10),
    "frozen": ("supervision", "frozen", False, 10),  # under appeal: the order still runs
    "revoked": ("supervision", "revoked", False, 10),
    "superseded": ("supervision", "in_force", True, 10),
    "reminder": ("reminder", "in_force", False, None),
}


async def test_0004_backfills_the_order_time_of_measures_that_owe_a_rectification(infra):
    schema = f"acc_{uuid.uuid4().hex[:8]}"
    dsn = infra.database_url
    await asyncio.to_thread(upgrade, migrations_dir(SERVICE), schema, dsn, "0003")
    engine = make_engine(dsn)
    ids = {name: uuid.uuid4() for name in ROWS}
    try:
        async with engine.begin() as conn:
            for name, (code, status, superseded, days) in ROWS.items():
                await conn.execute(text(
                    f'INSERT INTO "{schema}".measures (measure_id, fault_id, unit_id, person_id, '
                    "code, points, status, occurred_on, period, revision, superseded, decided_at, "
                    "body) VALUES (:id, :f, 'WJJ', 'p-zhao', :c, 3, :st, :d, '2026Q1', 0, :sup, "
                    ":at, CAST(:b AS jsonb))"),
                    {"id": ids[name], "f": uuid.uuid4(), "c": code, "st": status,
                     "d": date(2026, 3, 3), "sup": superseded, "at": AT,
                     "b": json.dumps({"code": code, "rectification_working_days": days})})
        await asyncio.to_thread(upgrade, migrations_dir(SERVICE), schema, dsn)
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                f'SELECT measure_id, rectification_ordered_at FROM "{schema}".measures'))).all()
        got = {name: dict(rows)[mid] for name, mid in ids.items()}
        assert got == {"owes": AT, "frozen": AT, "revoked": None, "superseded": None,
                       "reminder": None}
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
