"""Migration 0005 over rows an older version wrote: a measure with an order time was ordered
once (its first order's event ids stay as published); the others were never ordered."""

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

# name -> (code, rectification period in the body, rectification_ordered_at)
ROWS = {
    "ordered": ("supervision", 10, AT),
    "withdrawn": ("admonition", None, AT),  # ordered, then recounted to 效能告诫
    "reminder": ("reminder", None, None),
}


async def test_0005_counts_one_order_for_the_measures_ordered_so_far(infra):
    schema = f"acc_{uuid.uuid4().hex[:8]}"
    dsn = infra.database_url
    await asyncio.to_thread(upgrade, migrations_dir(SERVICE), schema, dsn, "0004")
    engine = make_engine(dsn)
    ids = {name: uuid.uuid4() for name in ROWS}
    try:
        async with engine.begin() as conn:
            for name, (code, days, ordered_at) in ROWS.items():
                await conn.execute(text(
                    f'INSERT INTO "{schema}".measures (measure_id, fault_id, unit_id, person_id, '
                    "code, points, status, occurred_on, period, revision, superseded, decided_at, "
                    "rectification_ordered_at, body) VALUES (:id, :f, 'WJJ', 'p-zhao', :c, 3, "
                    "'in_force', :d, '2026Q1', 0, false, :at, :ord, CAST(:b AS jsonb))"),
                    {"id": ids[name], "f": uuid.uuid4(), "c": code, "d": date(2026, 3, 3),
                     "at": AT, "ord": ordered_at,
                     "b": json.dumps({"code": code, "rectification_working_days": days})})
        await asyncio.to_thread(upgrade, migrations_dir(SERVICE), schema, dsn)
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                f'SELECT measure_id, rectification_orders FROM "{schema}".measures'))).all()
        got = {name: dict(rows)[mid] for name, mid in ids.items()}
        assert got == {"ordered": 1, "withdrawn": 1, "reminder": 0}
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
