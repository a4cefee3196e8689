"""Replay the rules over the fault log, and compare two replays (what-if on a new rule book).

replay() sorts faults canonically by (occurred_on, fault id) before deciding, so the order in
which the log delivered them — within a day, a case, or at all — cannot change the result."""

from collections.abc import Iterable, Mapping
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from .appeals import apply_appeal
from .decide import LeaderLookup, decide
from .faults import Fault
from .measures import Appeal, Measure
from .rulebook import RuleBook
from .scoring import UnitScore, period_of, score_units


class ReplayError(ValueError):
    pass


class Decisions(BaseModel):
    model_config = ConfigDict(frozen=True)
    rulebook_version: str
    measures: tuple[Measure, ...]  # canonical order: fault, share, person
    scores: tuple[UnitScore, ...]  # by period, then rank
    exempt_fault_ids: tuple[UUID, ...]


def replay(
    faults_in_log_order: Iterable[Fault], rulebook: RuleBook, roster: LeaderLookup,
    appeals: Mapping[UUID, Appeal] | None = None, units: Iterable[str] = (),
) -> Decisions:
    """Rebuild every measure and score. `appeals` maps measure id → recorded appeal; it is
    applied as each measure is recomputed, so a frozen or revoked measure stops counting for
    later faults exactly as it did live. Redelivered faults (same id, same content) count once."""
    appeals = appeals or {}
    unique: dict[UUID, Fault] = {}
    for f in faults_in_log_order:
        seen = unique.get(f.id)
        if seen is not None and seen != f:
            raise ReplayError(f"fault {f.id} appears twice with different content")
        unique[f.id] = f
    ordered = sorted(unique.values(), key=lambda f: f.sort_key)
    history: list[Fault | Measure] = []
    measures: list[Measure] = []
    for fault in ordered:
        decided = [
            apply_appeal(m, appeals[m.id], rulebook) if m.id in appeals else m
            for m in decide(fault, history, rulebook, roster)
        ]
        history.append(fault)
        history.extend(decided)
        measures.extend(decided)
    measures.sort(key=lambda m: m.sort_key)
    all_units = set(units) | {f.unit_id for f in ordered}
    periods = {period_of(f.occurred_on, rulebook) for f in ordered}
    return Decisions(
        rulebook_version=rulebook.version,
        measures=tuple(measures),
        scores=tuple(score_units(measures, rulebook, all_units, periods)),
        exempt_fault_ids=tuple(f.id for f in ordered if f.is_exempt),
    )


class MeasureChange(BaseModel):
    model_config = ConfigDict(frozen=True)
    before: Measure
    after: Measure


class ScoreChange(BaseModel):
    model_config = ConfigDict(frozen=True)
    unit_id: str
    period: str
    before: int | None  # None: the unit/period did not exist in that replay
    after: int | None


class WhatIfReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    version_a: str
    version_b: str
    added: tuple[Measure, ...]
    removed: tuple[Measure, ...]
    changed: tuple[MeasureChange, ...]
    score_changes: tuple[ScoreChange, ...]


def what_if(decisions_a: Decisions, decisions_b: Decisions) -> WhatIfReport:
    """Measures are matched by (fault, person, role) — not by id, because a new rule book may
    renumber its rules; a match whose outcome (measure, status, rule) differs is 'changed'."""
    def key(m: Measure) -> tuple[str, str, str]:
        return (str(m.fault_id), m.person_id, m.role.value)
    a = {key(m): m for m in decisions_a.measures}
    b = {key(m): m for m in decisions_b.measures}
    changed = tuple(
        MeasureChange(before=a[k], after=b[k]) for k in sorted(a.keys() & b.keys())
        if _outcome(a[k]) != _outcome(b[k])
    )
    sa = {(s.period, s.unit_id): s.score for s in decisions_a.scores}
    sb = {(s.period, s.unit_id): s.score for s in decisions_b.scores}
    score_changes = tuple(
        ScoreChange(unit_id=u, period=p, before=sa.get((p, u)), after=sb.get((p, u)))
        for p, u in sorted(sa.keys() | sb.keys()) if sa.get((p, u)) != sb.get((p, u))
    )
    return WhatIfReport(
        version_a=decisions_a.rulebook_version, version_b=decisions_b.rulebook_version,
        added=tuple(b[k] for k in sorted(b.keys() - a.keys())),
        removed=tuple(a[k] for k in sorted(a.keys() - b.keys())),
        changed=changed, score_changes=score_changes,
    )


def _outcome(m: Measure) -> tuple:
    return (m.code, m.points, m.status, m.explanation.rule_id, m.explanation.aggravated)
