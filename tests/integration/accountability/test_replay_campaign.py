"""The replay guarantee over the real broker and database: a generated campaign of several
thousand events runs live through the service (arriving interleaved across topics and
partitions, with redeliveries), appeals are lodged and ruled, and a replay of the recorded log
with the same rule-book version gives exactly the stored measures and scores."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone

import pytest

from services.accountability import cli
from services.accountability.domain import load_rulebook
from services.accountability.replay_log import differences, live_state, replay_log
from shared.events.office import AppealDecided, AppealLodged
from tests.integration.accountability.campaign import generate
from tests.integration.accountability.harness import env, start_service
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
N_EVENTS = 3000


@pytest.fixture
async def big(infra):
    h = await start_service(infra.kafka_bootstrap, infra.database_url, partitions=3)
    yield h
    for stop in h.stop:
        await stop()


def _weeks(events):
    week, current = [], None
    for topic, e in events:
        iso = e.occurred_at.isocalendar()[:2]
        if current is not None and iso != current and week:
            yield week
            week = []
        current = iso
        week.append((topic, e))
    if week:
        yield week


async def _processed(h, n: int) -> bool:
    return await h.processed() >= n


@pytest.mark.timeout(480)
async def test_live_equals_replay_for_a_generated_campaign(big):
    campaign = generate(N_EVENTS, seed=20260301, units=40)
    await big.seed_roster(campaign.roster, datetime(2026, 1, 1, tzinfo=timezone.utc))
    roster_events = await big.processed()
    # Live means the events of a week arrive that week: publish week by week. Within a week
    # they interleave across 4 topics × 3 partitions, so faults still arrive out of business
    # order and later-dated ones must be decided again (revision > 0) for live to equal replay.
    seen: set = set()
    for week in _weeks(campaign.events):
        for topic, e in week:
            await big._producer.send(getattr(big.topics, topic), e.to_bytes(), key=e.key.encode())
            seen.add(e.event_id)
        await big._producer.flush()
        await wait_for(lambda: _processed(big, roster_events + len(seen)), timeout=60,
                       interval=0.05, what="week processed")
    assert await big.dead_letters() == []
    revised = await big.query("SELECT count(*) FROM {s}.measures WHERE revision > 0")
    assert revised[0][0] > 0  # arrival order did differ from business order

    # appeals on a sample of measures: lodged in the window, then ruled every way. One measure
    # per unit: an appeal freezes its measure and re-decides the unit's later faults, so an
    # appeal on a later measure of the same unit would find it superseded or not depending on
    # which of the two arrived first (they travel on different partitions).
    rnd = random.Random(5)
    rows = await big.query("SELECT unit_id, measure_id, person_id, decided_at, code "
                           "FROM {s}.measures WHERE NOT superseded AND status = 'in_force' "
                           "ORDER BY measure_id")
    by_unit: dict[str, list] = {}
    for unit, *measure in rows:
        by_unit.setdefault(unit, []).append(tuple(measure))
    sample = [rnd.choice(by_unit[unit]) for unit in sorted(by_unit)]
    assert len(sample) >= 30, len(sample)
    base = await big.processed()
    for i, (mid, person, decided_at, code) in enumerate(sample):
        at = decided_at + timedelta(days=1)
        await big.publish(big.topics.office, env(AppealLodged(
            appeal_id=f"A{i}", measure_id=str(mid), person_id=person, lodged_at=at,
            grounds="申诉理由"), str(mid), at))
    await wait_for(lambda: _processed(big, base + len(sample)), timeout=60, what="appeals lodged")
    base = await big.processed()
    rulings = 0
    for i, (mid, person, decided_at, code) in enumerate(sample[:30]):
        decision = ["upheld", "revoked", "reduced"][i % 3]
        if decision == "reduced" and code == "reminder":
            decision = "revoked"
        at = decided_at + timedelta(days=4)
        await big.publish(big.topics.office, env(AppealDecided(
            appeal_id=f"A{i}", measure_id=str(mid), decision=decision,
            reduced_to="reminder" if decision == "reduced" else None, decided_at=at,
            decided_by="county-office"), str(mid), at))
        rulings += 1
    await wait_for(lambda: _processed(big, base + rulings), timeout=60, what="appeals ruled")
    letters = await big.dead_letters()
    assert letters == [], letters[:3]

    book = load_rulebook()
    async with big.engine.connect() as conn:
        from sqlalchemy.ext.asyncio import AsyncSession
        async with AsyncSession(bind=conn) as s:
            replayed = await replay_log(s, big.schema, book)
            live = await live_state(s, big.schema)
    faults = (await big.query("SELECT count(*) FROM {s}.faults"))[0][0]
    assert faults > N_EVENTS * 0.8  # most events are faults (returns in window, duplicates aren't)
    assert len(replayed.measures) == len(live.measures) > faults
    assert differences(replayed, live, book.base_points) == []
    assert {m.status.value for m in replayed.measures} == {"in_force", "frozen", "revoked"}
    out = io.StringIO()
    assert await cli.run([*big.cli_args, "replay"], out) == 0, out.getvalue()
    assert "identical to live" in out.getvalue()
