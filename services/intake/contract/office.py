"""Decisions the county office enters: appeals (申诉) and exemptions (HTTP only)."""

from __future__ import annotations

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
