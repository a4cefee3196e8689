"""Replay from the recorded fault log, and the check that it equals what was decided live.

The log is the `faults` table in arrival order (seq) with the leader each fault found on the
roster, plus the recorded appeals. `domain.replay` sorts canonically, so arrival order cannot
matter; with the version the service used, the result must equal the stored measures and
scores exactly — `differences()` lists every way it does not."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from . import store
from .domain import Decisions, RuleBook, replay


@dataclass(frozen=True)
class LiveState:
    measures: dict[str, dict]  # measure id -> stored body (not superseded)
    scores: dict[tuple[str, str], tuple[int, int, bool]]  # (period, unit) -> stored


async def replay_log(s: AsyncSession, schema: str, book: RuleBook) -> Decisions:
    log = await store.fault_log(s, schema)
    leaders: dict[tuple[str, object], str | None] = {}
    for lf in log:  # the leader found for the first fault of a (unit, day) answers for all
        leaders.setdefault((lf.fault.unit_id, lf.fault.occurred_on), lf.leader_id)
    appeals = await store.appeals_by_measure(s, schema)
    return replay([lf.fault for lf in log], book, lambda u, d: leaders.get((u, d)), appeals)


async def live_state(s: AsyncSession, schema: str) -> LiveState:
    rows = await s.execute(text(
        f'SELECT measure_id, body FROM "{schema}".measures WHERE NOT superseded'))
    measures = {str(r.measure_id): r.body for r in rows}
    rows = await s.execute(text(
        f'SELECT unit_id, period, score, confirmed_score, provisional FROM "{schema}".scores'))
    scores = {(r.period, r.unit_id): (r.score, r.confirmed_score, r.provisional) for r in rows}
    return LiveState(measures, scores)


def differences(replayed: Decisions, live: LiveState, base_points: int) -> list[str]:
    out: list[str] = []
    again = {str(m.id): m.model_dump(mode="json") for m in replayed.measures}
    for mid in sorted(again.keys() - live.measures.keys()):
        out.append(f"measure {mid} ({again[mid]['code']}) replayed but not decided live")
    for mid in sorted(live.measures.keys() - again.keys()):
        out.append(f"measure {mid} ({live.measures[mid]['code']}) decided live but not replayed")
    for mid in sorted(again.keys() & live.measures.keys()):
        if again[mid] != live.measures[mid]:
            keys = sorted(k for k in again[mid] if again[mid][k] != live.measures[mid].get(k))
            out.append(f"measure {mid} differs in {', '.join(keys)}")
    for sc in replayed.scores:
        stored = live.scores.get((sc.period, sc.unit_id), (base_points, base_points, False))
        if stored != (sc.score, sc.confirmed_score, sc.provisional):
            out.append(f"score {sc.unit_id} {sc.period}: live {stored}, replay "
                       f"{(sc.score, sc.confirmed_score, sc.provisional)}")
    return out
