"""SQL for the fault log, measures, appeals, rectifications, exemptions and scores. Rows keep the domain models
as JSON (`body`) plus the columns queries need; the domain never sees SQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.envelope import Envelope

from .domain import Appeal, Exemption, Fault, Measure, MeasureStatus, RectificationOrder


def _j(model) -> str:
    return model.model_dump_json()


# -- faults -------------------------------------------------------------------------------------

async def subject_recorded(s: AsyncSession, schema: str, subject_key: str) -> bool:
    return (await s.execute(text(f'SELECT 1 FROM "{schema}".faults WHERE subject_key = :k'),
                            {"k": subject_key})).first() is not None


async def insert_fault(s: AsyncSession, schema: str, fault: Fault, *, subject_key: str,
                       subject_id: str, leader_id: str | None, cause: Envelope) -> None:
    await s.execute(text(
        f'INSERT INTO "{schema}".faults (fault_id, subject_key, subject_id, unit_id, occurred_on, '
        "kind, leader_id, body, source_event_id, correlation_id) VALUES (:f, :k, :s, :u, :d, "
        ":kind, :l, CAST(:b AS jsonb), :e, :c)"),
        {"f": fault.id, "k": subject_key, "s": subject_id, "u": fault.unit_id,
         "d": fault.occurred_on, "kind": fault.kind.value, "l": leader_id, "b": _j(fault),
         "e": cause.event_id, "c": cause.correlation_id})


async def update_fault(s: AsyncSession, schema: str, fault: Fault) -> None:
    await s.execute(text(f'UPDATE "{schema}".faults SET body = CAST(:b AS jsonb) WHERE fault_id = :f'),
                    {"f": fault.id, "b": _j(fault)})


@dataclass(frozen=True)
class LoggedFault:
    seq: int
    fault: Fault
    leader_id: str | None
    discounted: bool = False  # every measure frozen or revoked: it no longer counts


async def unit_faults_since(s: AsyncSession, schema: str, unit_id: str | None,
                            after: date) -> list[LoggedFault]:
    """Faults on days after `after` (of one unit, or all when unit_id is None)."""
    where = "f.occurred_on > :a" + (" AND f.unit_id = :u" if unit_id is not None else "")
    rows = await s.execute(text(
        f"SELECT f.seq, f.body, f.leader_id, coalesce(d.discounted, false) AS discounted "
        f'FROM "{schema}".faults f LEFT JOIN LATERAL (SELECT bool_and(m.status <> \'in_force\') '
        f'AS discounted FROM "{schema}".measures m WHERE m.fault_id = f.fault_id AND NOT '
        f"m.superseded) d ON true WHERE {where} ORDER BY f.seq"), {"a": after, "u": unit_id})
    return [LoggedFault(r.seq, Fault.model_validate(r.body), r.leader_id, r.discounted) for r in rows]


async def fault_log(s: AsyncSession, schema: str) -> list[LoggedFault]:
    """The whole log in arrival order: what replay reads."""
    rows = await s.execute(text(f'SELECT seq, body, leader_id FROM "{schema}".faults ORDER BY seq'))
    return [LoggedFault(r.seq, Fault.model_validate(r.body), r.leader_id) for r in rows]


async def faults_of_subject(s: AsyncSession, schema: str, subject_id: str, unit_id: str) -> list[Fault]:
    rows = await s.execute(text(
        f'SELECT body FROM "{schema}".faults WHERE subject_id = :s AND unit_id = :u ORDER BY seq'),
        {"s": subject_id, "u": unit_id})
    return [Fault.model_validate(r.body) for r in rows]


async def fault_by_id(s: AsyncSession, schema: str, fault_id: uuid.UUID) -> Fault:
    body = (await s.execute(text(f'SELECT body FROM "{schema}".faults WHERE fault_id = :f'),
                            {"f": fault_id})).scalar_one()
    return Fault.model_validate(body)


# -- exemptions ---------------------------------------------------------------------------------

async def record_exemption(s: AsyncSession, schema: str, subject_id: str, unit_id: str,
                           exemption: Exemption, event_id: uuid.UUID) -> None:
    await s.execute(text(
        f'INSERT INTO "{schema}".exemptions (subject_id, unit_id, reason, note, event_id) '
        "VALUES (:s, :u, :r, :n, :e) ON CONFLICT (subject_id) DO NOTHING"),
        {"s": subject_id, "u": unit_id, "r": exemption.reason.value, "n": exemption.note,
         "e": event_id})


async def exemption_for(s: AsyncSession, schema: str, subject_id: str, unit_id: str) -> Exemption | None:
    row = (await s.execute(text(
        f'SELECT reason, note FROM "{schema}".exemptions WHERE subject_id = :s AND unit_id = :u'),
        {"s": subject_id, "u": unit_id})).first()
    return Exemption(reason=row.reason, note=row.note) if row else None


# -- measures -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredMeasure:
    measure: Measure
    revision: int
    superseded: bool
    decided_at: datetime  # of this revision: every changed outcome moves it
    period: str = ""  # filled where the caller scores from memory (see fault_log_view)
    # Its order to rectify (domain RectificationOrder): when the latest order started (its
    # clock requested) and how many times it was ordered. Kept across revisions that keep the
    # order; replaced when a revision orders it again after a withdrawal.
    rectification_ordered_at: datetime | None = None
    rectification_orders: int = 0

    @property
    def ordered_at(self) -> datetime | None:
        """When the running (or last) order started, None if never ordered. A row that has a
        period but no time was written by a replica older than migration 0004: decided_at is
        the best known."""
        if self.rectification_ordered_at is not None:
            return self.rectification_ordered_at
        return self.decided_at if self.measure.rectification_working_days else None

    @property
    def order(self) -> RectificationOrder:
        """A row ordered but not counted (0) was written before migration 0005, or by an older
        replica: one order. Counting one too many would only cost a new event id (deadlines
        opens or restarts the clock all the same); one too few would reuse the first order's
        id, which deadlines has seen and drops."""
        at = self.ordered_at
        return RectificationOrder(max(self.rectification_orders, int(at is not None)), at)


async def measures_of_faults(
    s: AsyncSession, schema: str, fault_ids: Iterable[uuid.UUID],
) -> tuple[dict[uuid.UUID, StoredMeasure], dict[uuid.UUID, Appeal]]:
    """The stored measures of these faults, and the appeals recorded against them."""
    rows = await s.execute(text(
        f"SELECT m.body, m.revision, m.superseded, m.decided_at, m.rectification_ordered_at, "
        f'm.rectification_orders, a.body AS appeal FROM "{schema}".measures m LEFT JOIN '
        f'"{schema}".appeals a USING (measure_id) WHERE m.fault_id = ANY(:f)'),
        {"f": list(fault_ids)})
    measures, appeals = {}, {}
    for r in rows:
        m = Measure.model_validate(r.body)
        measures[m.id] = StoredMeasure(m, r.revision, r.superseded, r.decided_at,
                                       rectification_ordered_at=r.rectification_ordered_at,
                                       rectification_orders=r.rectification_orders)
        if r.appeal is not None:
            appeals[m.id] = Appeal.model_validate(r.appeal)
    return measures, appeals


async def measure_by_id(s: AsyncSession, schema: str, measure_id: uuid.UUID,
                        lock: bool = False) -> StoredMeasure | None:
    r = (await s.execute(text(
        f'SELECT body, revision, superseded, decided_at, rectification_ordered_at, '
        f'rectification_orders FROM "{schema}".measures '
        f'WHERE measure_id = :m{" FOR UPDATE" if lock else ""}'), {"m": measure_id})).first()
    return StoredMeasure(Measure.model_validate(r.body), r.revision, r.superseded, r.decided_at,
                         rectification_ordered_at=r.rectification_ordered_at,
                         rectification_orders=r.rectification_orders) if r else None


@dataclass(frozen=True)
class ScoredMeasure:
    """What scoring reads of a measure (score_units is duck-typed): cheaper than a full body."""

    id: uuid.UUID
    fault_id: uuid.UUID
    unit_id: str
    occurred_on: date
    code: str
    points: int
    rung: int
    status: MeasureStatus


async def scored_measures(s: AsyncSession, schema: str, unit_id: str, period: str) -> list[ScoredMeasure]:
    rows = await s.execute(text(
        f"SELECT measure_id, fault_id, unit_id, occurred_on, code, points, status, "
        f"(body->>'rung')::int AS rung FROM \"{schema}\".measures "
        "WHERE unit_id = :u AND period = :p AND NOT superseded"), {"u": unit_id, "p": period})
    return [ScoredMeasure(r.measure_id, r.fault_id, r.unit_id, r.occurred_on, r.code, r.points,
                          r.rung, MeasureStatus(r.status)) for r in rows]


async def live_measures(s: AsyncSession, schema: str, where: str = "TRUE", **params) -> list[Measure]:
    rows = await s.execute(text(
        f'SELECT body FROM "{schema}".measures WHERE NOT superseded AND {where}'), params)
    return [Measure.model_validate(r.body) for r in rows]


# -- appeals ------------------------------------------------------------------------------------

async def save_appeal(s: AsyncSession, schema: str, appeal_id: str, measure_id: uuid.UUID,
                      appeal: Appeal) -> None:
    await s.execute(text(
        f'INSERT INTO "{schema}".appeals (appeal_id, measure_id, body) VALUES (:a, :m, '
        "CAST(:b AS jsonb)) ON CONFLICT (appeal_id) DO UPDATE SET body = CAST(:b AS jsonb)"),
        {"a": appeal_id, "m": measure_id, "b": _j(appeal)})


async def appeal_row(s: AsyncSession, schema: str, appeal_id: str) -> tuple[uuid.UUID, Appeal] | None:
    r = (await s.execute(text(f'SELECT measure_id, body FROM "{schema}".appeals WHERE appeal_id = :a'),
                         {"a": appeal_id})).first()
    return (r.measure_id, Appeal.model_validate(r.body)) if r else None


async def appeals_by_measure(s: AsyncSession, schema: str,
                             measure_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, Appeal]:
    if measure_ids is None:
        rows = await s.execute(text(f'SELECT measure_id, body FROM "{schema}".appeals'))
    else:
        rows = await s.execute(text(
            f'SELECT measure_id, body FROM "{schema}".appeals WHERE measure_id = ANY(:m)'),
            {"m": list(measure_ids)})
    return {r.measure_id: Appeal.model_validate(r.body) for r in rows}


# -- rectifications -----------------------------------------------------------------------------

async def rectified_at(s: AsyncSession, schema: str, measure_id: uuid.UUID) -> datetime | None:
    """When the measure was reported rectified, if it was."""
    return (await s.execute(text(
        f'SELECT rectified_at FROM "{schema}".rectifications WHERE measure_id = :m'),
        {"m": measure_id})).scalar_one_or_none()


async def record_rectification(s: AsyncSession, schema: str, measure_id: uuid.UUID, *,
                               unit_id: str, rectified_at: datetime, report: str,
                               evidence: list[str], confirmed_by: str,
                               event_id: uuid.UUID) -> None:
    await s.execute(text(
        f'INSERT INTO "{schema}".rectifications (measure_id, unit_id, rectified_at, report, '
        "evidence, confirmed_by, event_id) VALUES (:m, :u, :at, :r, CAST(:ev AS jsonb), :by, :e)"),
        {"m": measure_id, "u": unit_id, "at": rectified_at, "r": report,
         "ev": dumps(evidence), "by": confirmed_by, "e": event_id})


# -- scores -------------------------------------------------------------------------------------

async def save_score(s: AsyncSession, schema: str, unit_id: str, period: str, score: int,
                     confirmed: int, provisional: bool, version: str) -> bool:
    """Upsert; True when the row is new or changed (one round trip either way)."""
    t = f'"{schema}".scores'
    return (await s.execute(text(
        f"INSERT INTO {t} (unit_id, period, score, confirmed_score, provisional, "
        "rulebook_version) VALUES (:u, :p, :s, :c, :pr, :v) ON CONFLICT (unit_id, period) DO UPDATE "
        "SET score = :s, confirmed_score = :c, provisional = :pr, rulebook_version = :v "
        f"WHERE ({t}.score, {t}.confirmed_score, {t}.provisional) IS DISTINCT FROM (:s, :c, :pr) "
        "RETURNING 1"),
        {"u": unit_id, "p": period, "s": score, "c": confirmed, "pr": provisional,
         "v": version})).first() is not None


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
