"""效能考评: each unit starts a period with base points and loses points per fault.

A fault costs its unit the points of its heaviest measure (not the sum over handler, reviewer and
leader), so one fault is not charged three times. Frozen measures (申诉中) deduct provisionally:
`score` includes them and is flagged provisional; `confirmed_score` leaves them out. Revoked
measures deduct nothing. Ranking: score desc, confirmed_score desc, unit_id asc."""

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from .measures import Measure
from .rulebook import RuleBook
from .vocabulary import MeasureStatus


class Deduction(BaseModel):
    model_config = ConfigDict(frozen=True)
    fault_id: UUID
    measure_id: UUID  # the heaviest live measure of the fault
    code: str
    points: int  # counting frozen measures
    confirmed_points: int  # counting measures in force only
    provisional: bool  # a frozen measure decides the deduction


class UnitScore(BaseModel):
    model_config = ConfigDict(frozen=True)
    unit_id: str
    period: str
    score: int
    confirmed_score: int
    provisional: bool
    rank: int
    deductions: tuple[Deduction, ...]


def period_of(day: date, book: RuleBook) -> str:
    if book.scoring_period == "year":
        return str(day.year)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def score_units(
    measures: Iterable[Measure], rulebook: RuleBook, units: Iterable[str] = (),
    periods: Iterable[str] = (),
) -> list[UnitScore]:
    """Scores for every (period, unit) seen in the measures, plus the given units in every
    period (a unit without measures keeps full points and must still be ranked)."""
    by_fault: dict[tuple[str, str, UUID], list[Measure]] = {}
    for m in measures:
        by_fault.setdefault((period_of(m.occurred_on, rulebook), m.unit_id, m.fault_id), []).append(m)
    all_periods = set(periods) | {p for p, _, _ in by_fault}
    all_units = set(units) | {u for _, u, _ in by_fault}
    deductions: dict[tuple[str, str], list[Deduction]] = {(p, u): [] for p in all_periods for u in all_units}
    for (period, unit, fault_id), group in sorted(by_fault.items(), key=lambda kv: (kv[0][0], kv[0][1], str(kv[0][2]))):
        live = [m for m in group if m.status is not MeasureStatus.REVOKED]
        if not live:
            continue
        top = max(live, key=lambda m: (m.points, m.rung, m.status is MeasureStatus.IN_FORCE, str(m.id)))
        confirmed = max((m.points for m in live if m.status is MeasureStatus.IN_FORCE), default=0)
        deductions[(period, unit)].append(Deduction(
            fault_id=fault_id, measure_id=top.id, code=top.code, points=top.points,
            confirmed_points=confirmed, provisional=top.status is MeasureStatus.FROZEN))
    floor, base = rulebook.score_floor, rulebook.base_points
    out: list[UnitScore] = []
    for period in sorted(all_periods):
        rows = []
        for unit in all_units:
            items = deductions[(period, unit)]
            score = max(floor, base - sum(d.points for d in items))
            confirmed = max(floor, base - sum(d.confirmed_points for d in items))
            rows.append((unit, items, score, confirmed))
        rows.sort(key=lambda r: (-r[2], -r[3], r[0]))
        for rank, (unit, items, score, confirmed) in enumerate(rows, start=1):
            out.append(UnitScore(
                unit_id=unit, period=period, score=score, confirmed_score=confirmed,
                provisional=any(d.provisional for d in items), rank=rank, deductions=tuple(items)))
    return out
