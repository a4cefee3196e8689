"""The engine does not ping before each use (shared/db.py). What that relies on, over the real
database: a pooled connection that died (a PostgreSQL restart, here its backend terminated)
fails its next use with an error every caller treats as an outage and retries, and the retry
gets a fresh connection — one failure per restart, not one per pooled connection."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.db import make_engine
from shared.messaging.errors import is_infrastructure_error

pytestmark = pytest.mark.integration


async def test_a_dead_pooled_connection_fails_once_as_an_outage_then_the_pool_is_fresh(infra):
    engine = make_engine(infra.database_url, pool_size=3)
    admin = make_engine(infra.database_url, pool_size=1)
    try:
        # Three connections in the pool, as under load.
        conns = [await engine.connect() for _ in range(3)]
        pids = [(await c.execute(text("SELECT pg_backend_pid()"))).scalar_one() for c in conns]
        for c in conns:
            await c.close()  # back to the pool, still open
        async with admin.begin() as a:
            await a.execute(text("SELECT pg_terminate_backend(p) FROM unnest(CAST(:p AS int[])) p"),
                            {"p": pids})

        with pytest.raises(Exception) as failed:
            async with engine.begin() as c:
                await c.execute(text("SELECT 1"))
        assert is_infrastructure_error(failed.value), repr(failed.value)

        # The retry, and every use after it, gets a live connection: the pool dropped the
        # other dead ones too.
        again = [await engine.connect() for _ in range(3)]  # every pooled one taken at once
        try:
            seen = {(await c.execute(text("SELECT pg_backend_pid()"))).scalar_one() for c in again}
        finally:
            for c in again:
                await c.close()
        assert len(seen) == 3 and not seen & set(pids)
    finally:
        await engine.dispose()
        await admin.dispose()
