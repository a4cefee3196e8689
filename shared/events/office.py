"""Decisions the county efficiency office enters through intake: appeals, exemptions, and the
confirmation that a 督办 was carried out."""

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


@event("rectification.completed")
class RectificationCompleted(EventPayload):
    """The rectification a 督办 ordered is done, as the office confirmed it (整改完成)."""

    measure_id: str = Field(description="The 督办 (supervision) measure that was rectified")
    unit_id: str = Field(description="The unit the 督办 was ordered against, which rectified")
    rectified_at: AwareDatetime = Field(description="When the rectification was completed: "
                                                    "it closes the rectification clock")
    report: str = Field(description="Short account of what was rectified (整改情况)")
    evidence: list[str] = Field(default_factory=list,
                                description="References to the supporting material")
    confirmed_by: str = Field(description="Who in the office checked and confirmed it")
