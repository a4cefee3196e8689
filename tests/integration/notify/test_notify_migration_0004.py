"""Notify's migration 0004 over measures an older version recorded: they count as not withdrawn
(that version told no withdrawals), and a withdrawal recorded after it is kept."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text

from services.notify.main import SERVICE
from shared.db import make_engine
from shared.migrations import migrations_dir, upgrade

pytestmark = pytest.mark.integration


async def test_0004_records_measures_as_not_withdrawn_until_told_otherwise(infra):
    schema = f"ntf_{uuid.uuid4().hex[:8]}"
    dsn = infra.database_url
    await asyncio.to_thread(upgrade, migrations_dir(SERVICE), schema, dsn, "0003")
    engine = make_engine(dsn)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'INSERT INTO "{schema}".measures (measure_id, measure, '
                                    "revision) VALUES ('MS-old', 'reminder', 1)"))
        await asyncio.to_thread(upgrade, migrations_dir(SERVICE), schema, dsn)
        async with engine.begin() as conn:
            await conn.execute(text(f'INSERT INTO "{schema}".measures (measure_id, measure, '
                                    "revision, superseded) VALUES ('MS-new', 'admonition', 2, "
                                    "true)"))
            rows = dict((await conn.execute(text(
                f'SELECT measure_id, superseded FROM "{schema}".measures'))).all())
        assert rows == {"MS-old": False, "MS-new": True}
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
