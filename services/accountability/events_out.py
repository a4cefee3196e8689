"""Envelopes for what accountability publishes. Event ids are derived from what they announce,
so a handler that runs twice writes the same outbox rows (ON CONFLICT DO NOTHING) and a replay
knows which event announced what. occurred_at is always the business time of the cause."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.envelope import Envelope
from shared.events.accountability import (
    AppealRuled, BulletinPublished, FaultRecorded, MeasureDecided, ScoreChanged,
)
from shared.events.deadlines import DeadlineFulfilled, DeadlineRequested, DeadlineWithdrawn

from .domain import Fault, Measure, render_explanation
from .domain.vocabulary import ACCOUNTABILITY_NAMESPACE
from .wiring import PRODUCER


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(ACCOUNTABILITY_NAMESPACE, "event:" + ":".join(map(str, parts)))


def fault_recorded(f: Fault, severity: str, cause: Envelope) -> Envelope:
    """severity: the source's, or the one the rule book derives (e.g. from lateness)."""
    p = FaultRecorded(
        fault_id=str(f.id), kind=f.kind.value, unit_id=f.unit_id, occurred_on=f.occurred_on,
        category=f.category, severity=severity,
        responsible={r.value: p for r, p in f.responsible.items()}, evidence=list(f.evidence),
        exempt=f.is_exempt, exemption_reason=f.exemption.reason.value if f.exemption else None)
    return Envelope.wrap(p, key=f.unit_id, occurred_at=cause.occurred_at, producer=PRODUCER,
                         unit_id=f.unit_id, cause=cause, event_id=_id("fault", f.id, f.is_exempt))


def measure_decided(m: Measure, *, revision: int, superseded: bool, decided_at: datetime,
                    cause: Envelope) -> Envelope:
    e = m.explanation
    p = MeasureDecided(
        measure_id=str(m.id), measure=m.code, measure_name=m.name_zh, unit_id=m.unit_id,
        person_id=m.person_id, role=m.role.value, fault_ids=[str(m.fault_id)], rule_id=e.rule_id,
        rulebook_version=e.rulebook_version, points=m.points, aggravated=e.aggravated,
        rectification_working_days=m.rectification_working_days,
        explanation=render_explanation(m), decided_at=decided_at, status=m.status.value,
        revision=revision, superseded=superseded,
        appeal_ruling=m.appeal.ruling.value if m.appeal and m.appeal.ruling else None)
    return Envelope.wrap(p, key=str(m.id), occurred_at=cause.occurred_at, producer=PRODUCER,
                         unit_id=m.unit_id, cause=cause, event_id=_id("measure", m.id, revision))


def _order(number: int) -> tuple[int, ...]:
    """The order's part of a rectification event id: none for the first order, so the ids
    published before measures were ordered more than once keep their meaning; the number for a
    later one, which deadlines must not drop as the first one redelivered (its inbox would)."""
    return () if number <= 1 else (number,)


def rectification_requested(m: Measure, order: int, cause: Envelope) -> Envelope:
    """order: which order of the measure this is (1: the first; a later one is a new round of
    the measure's clock, restarted by deadlines from `starts_at`)."""
    p = DeadlineRequested(kind="rectification", subject_type="measure", subject_id=str(m.id),
                          unit_id=m.unit_id, person_id=m.person_id, starts_at=cause.occurred_at,
                          working_days=m.rectification_working_days)
    return Envelope.wrap(p, key=str(m.id), occurred_at=cause.occurred_at, producer=PRODUCER,
                         unit_id=m.unit_id, cause=cause,
                         event_id=_id("rectification", m.id, *_order(order)))


def rectification_fulfilled(m: Measure, rectified_at: datetime, cause: Envelope) -> Envelope:
    """Closes the clock rectification_requested opened. One id per measure, whichever order it
    answers: a measure is reported rectified once (a rectified one is not ordered again, see
    domain orders_rectification), so a redelivered or repeated report can stage it again and
    still emit nothing new."""
    p = DeadlineFulfilled(kind="rectification", subject_id=str(m.id), unit_id=m.unit_id,
                          fulfilled_at=rectified_at)
    return Envelope.wrap(p, key=str(m.id), occurred_at=cause.occurred_at, producer=PRODUCER,
                         unit_id=m.unit_id, cause=cause, event_id=_id("rectified", m.id))


def rectification_withdrawn(m: Measure, order: int, reason: str, cause: Envelope) -> Envelope:
    """Ends the clock without a card: the measure no longer orders a rectification. order:
    the order withdrawn (each order's round is withdrawn by an event of its own)."""
    p = DeadlineWithdrawn(kind="rectification", subject_id=str(m.id), unit_id=m.unit_id,
                          withdrawn_at=cause.occurred_at, reason=reason)
    return Envelope.wrap(p, key=str(m.id), occurred_at=cause.occurred_at, producer=PRODUCER,
                         unit_id=m.unit_id, cause=cause,
                         event_id=_id("rectification_withdrawn", m.id, *_order(order)))


def score_changed(unit_id: str, period: str, score: int, confirmed: int,
                  cause_measure: uuid.UUID | None, cause: Envelope) -> Envelope:
    p = ScoreChanged(unit_id=unit_id, period=period, score=score,
                     provisional_deductions=confirmed - score,
                     cause_measure_id=str(cause_measure) if cause_measure else None)
    return Envelope.wrap(p, key=unit_id, occurred_at=cause.occurred_at, producer=PRODUCER,
                         unit_id=unit_id, cause=cause,
                         event_id=_id("score", unit_id, period, cause.event_id))


def appeal_ruled(appeal_id: str, m: Measure, decision: str, new_measure: str | None,
                 cause: Envelope, *, original: str) -> Envelope:
    """original: the measure's code when ruled on — what its people were last told (a recount
    while the appeal was pending may have moved it from the code appealed against)."""
    p = AppealRuled(appeal_id=appeal_id, measure_id=str(m.id), person_id=m.person_id,
                    unit_id=m.unit_id, decision=decision, new_measure=new_measure,
                    ruled_at=cause.occurred_at, original_measure=original)
    return Envelope.wrap(p, key=str(m.id), occurred_at=cause.occurred_at, producer=PRODUCER,
                         unit_id=m.unit_id, cause=cause, event_id=_id("appeal", appeal_id))


def bulletin_published(year: int, month: int, body: str, occurred_at: datetime) -> Envelope:
    import hashlib
    digest = hashlib.sha256(body.encode()).hexdigest()[:16]
    return Envelope.wrap(BulletinPublished(year=year, month=month, text=body),
                         key=f"bulletin-{year}-{month:02d}", occurred_at=occurred_at,
                         producer=PRODUCER, event_id=_id("bulletin", year, month, digest))
