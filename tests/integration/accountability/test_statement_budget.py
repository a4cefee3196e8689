"""Statements per batch, not per event: the cost the service pays PostgreSQL is bounded by the
batch, whatever its size (counted on the pipeline fed directly; see statements.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.events.complaints import ComplaintFiled
from tests.integration.accountability.campaign import generate
from tests.integration.accountability.harness import env
from tests.integration.accountability.statements import counting, direct

pytestmark = pytest.mark.integration
AT = datetime(2026, 3, 2, 1, tzinfo=timezone.utc)


@pytest.fixture
async def pipe(infra):
    d = await direct(infra.database_url)
    yield d
    await d.close()


async def test_a_batch_of_faults_costs_a_bounded_number_of_statements(pipe):
    campaign = generate(1000, seed=3, units=20)
    await pipe.seed_roster(campaign.roster, AT)
    events = list({e.event_id: e for _, e in campaign.events
                   if e.event_type != "fault.exemption_granted"}.values())
    with counting(pipe.engine) as counted:
        outcomes = await pipe.feed("deadlines", events, batch=500)
    assert set(outcomes) == {"applied"}
    batches = -(-len(events) // 500)
    # inbox, rule books, unit locks, roster, persons, lapses, exemptions, faults, measures,
    # scores, then the fault, measure and score writes and the outbox: one each per batch
    assert counted.statements <= 15 * batches, counted.by_kind.most_common()
    faults = (await _count(pipe, "faults"))
    assert faults > 0.9 * len(events)


async def test_events_accountability_ignores_cost_nothing_beyond_the_inbox(pipe):
    filed = [env(ComplaintFiled(
        complaint_id=f"C{i}", channel="web", filed_at=AT, complainant={"name": "张三"},
        target_unit_id="U01", against_leadership=False, category="four_difficulties",
        description="门难进", routed_to="U01", dispatched_at=AT), f"C{i}", AT) for i in range(600)]
    with counting(pipe.engine) as counted:
        outcomes = await pipe.feed("complaints", filed, batch=300)
    assert set(outcomes) == {"applied"}
    assert counted.statements == 2  # one inbox insert per batch, nothing else


async def _count(pipe, table: str) -> int:
    from sqlalchemy import text
    async with pipe.engine.connect() as conn:
        return (await conn.execute(text(f'SELECT count(*) FROM "{pipe.schema}".{table}'))).scalar()
