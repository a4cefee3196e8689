"""The poller's own metrics: what one poll costs and how much it fires (for the benchmark and
for operators: a poll getting slower with more open deadlines would mean the index is not used)."""

import asyncio

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import text

POLL_SECONDS = Histogram("xn_deadlines_poll_seconds", "One poll transaction (claim, fire, commit)",
                         buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0))
CARDS = Counter("xn_deadlines_cards_total", "Cards fired by the poller", ["kind"])

OPEN = Gauge("xn_deadlines_open", "Open deadlines by card (none, yellow, red)", ["card"])


async def refresh_open_gauge(sessions, schema: str, every_s: float = 30.0) -> None:
    """Background job: one grouped count every `every_s` (not per poll: it scans every open row)."""
    while True:
        try:
            async with sessions() as s:
                rows = (await s.execute(text(
                    f'SELECT card, count(*) AS n FROM "{schema}".deadlines '
                    "WHERE status = 'open' GROUP BY card"))).all()
            seen = {r.card: r.n for r in rows}
            for card in ("none", "yellow", "red"):
                OPEN.labels(card).set(seen.get(card, 0))
        except Exception:  # the database away: readiness says so; keep the last figures
            pass
        await asyncio.sleep(every_s)
