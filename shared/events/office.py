"""Decisions the county efficiency office enters through intake: appeals and exemptions."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.envelope import EventPayload, event
from shared.events.vocab import AppealDecision, ExemptionReason


@event("appeal.lodged")
class AppealLodged(EventPayload):
    appeal_id: str
    measure_id: str
    person_id: str = Field(description="Who appeals (the person the measure names)")
    lodged_at: AwareDatetime
    grounds: str


@event("appeal.decided")
class AppealDecided(EventPayload):
    appeal_id: str
    measure_id: str
    decision: AppealDecision
    reduced_to: str | None = Field(None, description="Measure code when decision is 'reduced'")
    decided_at: AwareDatetime
    decided_by: str
    reasoning: str = ""


@event("fault.exemption_granted")
class ExemptionGranted(EventPayload):
    subject_id: str = Field(description="Matter/complaint/finding id whose fault is excused")
    unit_id: str
    reason: ExemptionReason
    note: str
    granted_at: AwareDatetime
