"""Read side shared by the CLI and the HTTP routes: ranking, explanations, bulletins."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from . import roster, store
from .domain import render_bulletin, render_explanation


async def ranking(s: AsyncSession, schema: str, period: str | None) -> tuple[str | None, list[dict]]:
    """Every registered unit ranked for the period (default: the latest with scores); a unit
    without faults keeps its full points. Same order as score_units: score, confirmed, unit."""
    if period is None:
        period = (await s.execute(text(
            f'SELECT max(period) FROM "{schema}".scores'))).scalar()
        if period is None:
            return None, []
    base = (await s.execute(text(
        f'SELECT text FROM "{schema}".rulebooks ORDER BY effective_from DESC LIMIT 1'))).scalar()
    from .domain import parse_rulebook
    full = parse_rulebook(base).base_points if base else 100
    rows = (await s.execute(text(
        f'SELECT u.unit_id, u.name, coalesce(sc.score, :b) AS score, '
        "coalesce(sc.confirmed_score, :b) AS confirmed, coalesce(sc.provisional, false) AS prov "
        f'FROM "{schema}".units u LEFT JOIN "{schema}".scores sc '
        "ON sc.unit_id = u.unit_id AND sc.period = :p "
        'ORDER BY score DESC, confirmed DESC, u.unit_id COLLATE "C"'),
        {"p": period, "b": full})).all()
    return period, [{"rank": i, "unit_id": r.unit_id, "name": r.name, "score": r.score,
                     "confirmed_score": r.confirmed, "provisional": r.prov}
                    for i, r in enumerate(rows, start=1)]


async def explain(s: AsyncSession, schema: str, measure_id: str) -> dict | None:
    try:
        mid = uuid.UUID(measure_id)
    except ValueError:
        return None
    sm = await store.measure_by_id(s, schema, mid)
    if sm is None:
        return None
    return {"measure": sm.measure.model_dump(mode="json"), "revision": sm.revision,
            "superseded": sm.superseded, "decided_at": sm.decided_at.isoformat(),
            "text": render_explanation(sm.measure)}


async def bulletin(s: AsyncSession, schema: str, year: int, month: int) -> str:
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    measures = await store.live_measures(s, schema, "occurred_on >= :a AND occurred_on < :b",
                                         a=first, b=nxt)
    return render_bulletin(year, month, measures, await roster.unit_names(s, schema),
                           await roster.person_names(s, schema))
