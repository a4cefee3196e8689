from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tests.integration.accountability.harness import start_service

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in the county, a Monday
ROSTER = {
    "JYJ": [("p-zhang", "handler", date(2026, 1, 1), None),
            ("p-li", "reviewer", date(2026, 1, 1), None),
            ("p-liaison", "liaison", date(2026, 1, 1), None),
            ("p-old-leader", "leader", date(2026, 1, 1), date(2026, 6, 30)),
            ("p-new-leader", "leader", date(2026, 7, 1), None)],
    "GTJ": [("p-wang", "handler", date(2026, 1, 1), None),
            ("p-gtj-liaison", "liaison", date(2026, 1, 1), None)],
    "WJJ": [("p-zhao", "handler", date(2026, 1, 1), None)],
}


@pytest.fixture
async def svc(infra):
    h = await start_service(infra.kafka_bootstrap, infra.database_url)
    await h.seed_roster(ROSTER, T0)
    yield h
    for stop in h.stop:
        await stop()
