"""Set-based SQL for a whole Kafka batch: each function is one statement however many units,
persons, faults or measures it covers (`= ANY(:ids)`, `unnest`, executemany). The per-batch
state (batch_state.py) calls them; statements are built once per schema because parsing a
text() costs about as much as a round trip."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import Appeal, Exemption, Fault, Measure
from .store import StoredMeasure


@lru_cache(maxsize=256)
def sql(template: str, schema: str) -> TextClause:
    return text(template.replace("{s}", f'"{schema}"'))


async def lock_units(s: AsyncSession, schema: str, unit_ids: Iterable[str]) -> dict[str, str]:
    """Lock the units' rows (in one order, so two writers cannot deadlock); unit id -> name for
    the registered ones."""
    rows = await s.execute(sql(
        "SELECT unit_id, name FROM {s}.units WHERE unit_id = ANY(:u) "
        'ORDER BY unit_id COLLATE "C" FOR UPDATE', schema), {"u": sorted(set(unit_ids))})
    return {r.unit_id: r.name for r in rows}


def advisory_lock(schema: str) -> TextClause:
    return sql("SELECT pg_advisory_xact_lock(hashtext(:k))", schema)


@dataclass(frozen=True)
class Term:
    person_id: str
    effective_from: date
    effective_to: date | None


async def appointments(s: AsyncSession, schema: str,
                       unit_ids: Iterable[str]) -> dict[tuple[str, str], list[Term]]:
    """(unit, role) -> terms, latest first; ties in the database's own order of person ids, so
    picking the first term in post gives the latest appointment, as before."""
    rows = await s.execute(sql(
        "SELECT unit_id, role, person_id, effective_from, effective_to FROM {s}.appointments "
        "WHERE unit_id = ANY(:u) ORDER BY unit_id, role, effective_from DESC, person_id",
        schema), {"u": sorted(set(unit_ids))})
    out: dict[tuple[str, str], list[Term]] = {}
    for r in rows:
        out.setdefault((r.unit_id, r.role), []).append(
            Term(r.person_id, r.effective_from, r.effective_to))
    return out


async def known_persons(s: AsyncSession, schema: str, person_ids: Iterable[str]) -> set[str]:
    return set((await s.execute(sql(
        "SELECT person_id FROM {s}.persons WHERE person_id = ANY(:p)", schema),
        {"p": sorted(set(person_ids))})).scalars())


async def recorded_subjects(s: AsyncSession, schema: str, keys: Iterable[str]) -> set[str]:
    return set((await s.execute(sql(
        "SELECT subject_key FROM {s}.faults WHERE subject_key = ANY(:k)", schema),
        {"k": sorted(set(keys))})).scalars())


async def exemptions(s: AsyncSession, schema: str,
                     subject_ids: Iterable[str]) -> dict[str, tuple[str, Exemption]]:
    """subject id -> (unit id, exemption)."""
    rows = await s.execute(sql(
        "SELECT subject_id, unit_id, reason, note FROM {s}.exemptions WHERE subject_id = ANY(:s)",
        schema), {"s": sorted(set(subject_ids))})
    return {r.subject_id: (r.unit_id, Exemption(reason=r.reason, note=r.note)) for r in rows}


@dataclass(frozen=True)
class Span:
    """Faults of `unit_id` (None: every unit) dated after `after`, up to and including `upto`."""

    unit_id: str | None
    after: date
    upto: date


@dataclass(frozen=True)
class LoadedFault:
    seq: int
    fault: Fault
    leader_id: str | None


async def faults_in(s: AsyncSession, schema: str, spans: Sequence[Span]) -> list[LoadedFault]:
    rows = await s.execute(sql(
        "SELECT f.seq, f.body, f.leader_id FROM {s}.faults f JOIN " + _spans(spans, "f"),
        schema), _span_params(spans))
    return [LoadedFault(r.seq, Fault.model_validate(r.body), r.leader_id) for r in rows]


async def measures_in(s: AsyncSession, schema: str,
                      spans: Sequence[Span]) -> tuple[list[StoredMeasure], dict[uuid.UUID, Appeal]]:
    """The stored measures (superseded ones too) of the faults `faults_in` returns for the same
    spans — a measure carries its fault's unit and date — and the appeals against them."""
    rows = await s.execute(sql(
        "SELECT m.body, m.revision, m.superseded, m.decided_at, m.period, "
        "m.rectification_ordered_at, m.rectification_orders, a.body AS appeal "
        "FROM {s}.measures m JOIN "
        + _spans(spans, "m") + " LEFT JOIN {s}.appeals a USING (measure_id)", schema),
        _span_params(spans))
    measures, appeals = [], {}
    for r in rows:
        m = Measure.model_validate(r.body)
        measures.append(StoredMeasure(m, r.revision, r.superseded, r.decided_at, r.period,
                                      r.rectification_ordered_at, r.rectification_orders))
        if r.appeal is not None:
            appeals[m.id] = Appeal.model_validate(r.appeal)
    return measures, appeals


def _spans(spans: Sequence[Span], t: str) -> str:
    # Spans without a unit (person-scope rule books) cover every unit: no unit condition, so
    # the unit-keyed form keeps its index-friendly equality.
    unit = "TRUE" if spans and spans[0].unit_id is None else f"{t}.unit_id = w.u"
    return ("unnest(CAST(:u AS text[]), CAST(:a AS date[]), CAST(:b AS date[])) AS w(u, a, b) "
            f"ON {unit} AND {t}.occurred_on > w.a AND {t}.occurred_on <= w.b")


def _span_params(spans: Sequence[Span]) -> dict:
    return {"u": [sp.unit_id or "" for sp in spans], "a": [sp.after for sp in spans],
            "b": [sp.upto for sp in spans]}


Score = tuple[int, int, bool]  # score, confirmed score, provisional


async def scores(s: AsyncSession, schema: str,
                 unit_ids: Iterable[str]) -> dict[tuple[str, str], Score]:
    rows = await s.execute(sql(
        "SELECT unit_id, period, score, confirmed_score, provisional FROM {s}.scores "
        "WHERE unit_id = ANY(:u)", schema), {"u": sorted(set(unit_ids))})
    return {(r.unit_id, r.period): (r.score, r.confirmed_score, r.provisional) for r in rows}


# -- writes: one executemany each, rows in the order they were staged ------------------------------

async def insert_faults(s: AsyncSession, schema: str, rows: list[dict]) -> None:
    """Rows in arrival order: `seq` (the replay log's order) is assigned in that order."""
    await s.execute(sql(
        "INSERT INTO {s}.faults (fault_id, subject_key, subject_id, unit_id, occurred_on, kind, "
        "leader_id, body, source_event_id, correlation_id) VALUES (:f, :k, :s, :u, :d, :kind, "
        ":l, CAST(:b AS jsonb), :e, :c)", schema), rows)


async def save_measures(s: AsyncSession, schema: str, rows: list[dict]) -> None:
    """The rectification order (:ord, :ords) is written as reconcile worked it out from the
    stored revision, read under the unit's lock (domain RectificationOrder): a revision that
    keeps the order passes the stored one on, a new order replaces it."""
    await s.execute(sql(
        "INSERT INTO {s}.measures (measure_id, fault_id, unit_id, person_id, code, points, "
        "status, occurred_on, period, revision, superseded, decided_at, rectification_ordered_at, "
        "rectification_orders, body) VALUES (:id, :f, :u, :p, :c, :pts, :st, :d, :per, :rev, "
        ":sup, :at, :ord, :ords, CAST(:b AS jsonb)) ON CONFLICT (measure_id) DO UPDATE SET "
        "code = :c, points = :pts, status = :st, period = :per, revision = :rev, "
        "superseded = :sup, decided_at = :at, rectification_ordered_at = :ord, "
        "rectification_orders = :ords, body = CAST(:b AS jsonb)", schema), rows)


async def save_scores(s: AsyncSession, schema: str, rows: list[dict]) -> None:
    await s.execute(sql(
        "INSERT INTO {s}.scores (unit_id, period, score, confirmed_score, provisional, "
        "rulebook_version) VALUES (:u, :p, :s, :c, :pr, :v) ON CONFLICT (unit_id, period) "
        "DO UPDATE SET score = :s, confirmed_score = :c, provisional = :pr, rulebook_version = :v",
        schema), rows)
