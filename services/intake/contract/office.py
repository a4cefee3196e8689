"""Decisions the county office enters: appeals (申诉) and exemptions (HTTP only), and the
confirmation that a 督办 was rectified (HTTP, or the 督查 platform's door)."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from services.intake.contract.base import Inbound
from shared.events.vocab import AppealDecision, ExemptionReason


class AppealLodgedIn(Inbound):
    appeal_id: str = Field(min_length=1)
    measure_id: str = Field(min_length=1)
    person_id: str = Field(min_length=1)
    lodged_at: AwareDatetime
    grounds: str = Field(min_length=1)


class AppealDecidedIn(Inbound):
    appeal_id: str = Field(min_length=1)
    decision: AppealDecision
    reduced_to: str | None = None
    decided_at: AwareDatetime
    decided_by: str = Field(min_length=1)
    reasoning: str = ""

    @model_validator(mode="after")
    def _reduced_needs_target(self) -> AppealDecidedIn:
        if self.decision == AppealDecision.reduced and not self.reduced_to:
            raise ValueError("reduced_to is required when decision is 'reduced'")
        return self


class ExemptionIn(Inbound):
    subject_id: str = Field(min_length=1)
    unit_id: str = Field(min_length=1)
    reason: ExemptionReason
    note: str = Field(min_length=1)
    granted_at: AwareDatetime


class RectificationIn(Inbound):
    """整改完成: the office checked that the unit carried out what a 督办 ordered."""

    # Accountability names measures by UUID (measure.decided); anything else can never match.
    measure_id: UUID = Field(description="measure_id of the 督办, as in its measure.decided")
    unit_id: str = Field(min_length=1)
    rectified_at: AwareDatetime = Field(description="When the rectification was completed")
    report: str = Field(min_length=1, max_length=2000,
                        description="Short account of what was rectified (整改情况)")
    evidence: list[str] = Field(default_factory=list, max_length=50,
                                description="References to the supporting material")
    confirmed_by: str = Field(min_length=1, description="Who in the office confirmed it")
