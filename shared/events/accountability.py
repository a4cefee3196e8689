"""Faults, measures, appeals and scores decided by the accountability service."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from shared.envelope import EventPayload, event


@event("fault.recorded")
class FaultRecorded(EventPayload):
    fault_id: str
    kind: str = Field(description="deadline_missed | late_completion | repeat_supplement_request"
                                  " | complaint_substantiated | inspection_finding | "
                                  "return_out_of_window")
    unit_id: str
    occurred_on: date
    category: str
    severity: str
    responsible: dict[str, str] = Field(description="role -> person id, as of the fault date")
    evidence: list[str] = Field(description="Event ids the fault came from")
    exempt: bool = False
    exemption_reason: str | None = None


@event("measure.decided")
class MeasureDecided(EventPayload):
    measure_id: str
    measure: str = Field(description="Ladder code, e.g. reminder, supervision_order, ...")
    measure_name: str = Field(description="Chinese name, e.g. 通报批评")
    unit_id: str
    person_id: str | None = Field(None, description="Null for a measure on the unit itself")
    role: str | None = Field(None, description="Liability role: handler/reviewer/approver/leader")
    fault_ids: list[str]
    rule_id: str
    rulebook_version: str
    points: float = Field(description="Score deduction for the unit")
    aggravated: bool = Field(False, description="从重: repeat offence within the window")
    rectification_working_days: int | None = Field(None, description="For 督办 orders")
    explanation: str = Field(description="Human-readable explanation in Chinese")
    decided_at: AwareDatetime
    # Added (optional, backwards compatible): a measure is re-published when a later event
    # changes its outcome (an earlier-dated fault arriving late, an exemption, an appeal that
    # changes what counts for 从重). Consumers keep the highest revision per measure_id.
    status: str = Field("in_force", description="in_force | frozen (申诉中) | revoked")
    revision: int = Field(0, ge=0, description="0 = first decision; n = n-th revision")
    superseded: bool = Field(
        False, description="True: the measure no longer applies (its fault was exempted or the "
                           "count it rested on changed); notify it as withdrawn")
    appeal_ruling: str | None = Field(
        None, description="The ruling on this measure's appeal once ruled (upheld | reduced | "
                          "revoked): a revision that a 'reduced' ruling made is announced to the "
                          "appellant by appeal.ruled")


@event("appeal.ruled")
class AppealRuled(EventPayload):
    appeal_id: str
    measure_id: str
    person_id: str | None
    unit_id: str
    decision: str
    new_measure: str | None = None
    ruled_at: AwareDatetime
    # Added (optional): the measure ruled on, as last published (a recount while the appeal was
    # pending may have moved it). A reduction's revision is published just before this event,
    # so a consumer's copy of the measure already holds the new one.
    original_measure: str | None = Field(None, description="Ladder code the ruling changes")


@event("score.changed")
class ScoreChanged(EventPayload):
    unit_id: str
    period: str = Field(description="e.g. 2026-Q2")
    score: float
    provisional_deductions: float = Field(description="Deductions frozen by pending appeals")
    cause_measure_id: str | None = None


@event("bulletin.published")
class BulletinPublished(EventPayload):
    year: int
    month: int
    text: str
