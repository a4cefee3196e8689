"""Report submissions, matters (办件) and inspection findings."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from services.intake.contract.base import Inbound
from shared.events.vocab import ExemptionReason, InspectionArea, PauseReason, Severity


class ReportIn(Inbound):
    submission_id: str = Field(min_length=1)
    campaign_id: str = Field(min_length=1)
    unit_id: str = Field(min_length=1)
    report_kind: str = Field(min_length=1, description="One of the campaign's report kinds")
    submitted_at: AwareDatetime = Field(description="ISO 8601 with offset")
    title: str = ""


class MatterAcceptedIn(Inbound):
    matter_id: str = Field(min_length=1)
    unit_id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    matter_kind: str = "public_service"
    promised_working_days: int = Field(gt=0, le=365)
    accepted_at: AwareDatetime
    handler_id: str = Field(min_length=1)
    reviewer_id: str | None = None
    approver_id: str | None = None


class SupplementIn(Inbound):
    matter_id: str = Field(min_length=1)
    requested_at: AwareDatetime
    missing_documents: list[str] = Field(min_length=1)


class MatterPausedIn(Inbound):
    matter_id: str = Field(min_length=1)
    reason: PauseReason
    paused_at: AwareDatetime
    note: str = ""


class MatterResumedIn(Inbound):
    matter_id: str = Field(min_length=1)
    resumed_at: AwareDatetime


class MatterExtendedIn(Inbound):
    matter_id: str = Field(min_length=1)
    extra_working_days: int = Field(gt=0, le=365)
    approved_by: str = Field(min_length=1, description="Person id of the approving head")
    reason: str = Field(min_length=1)
    extended_at: AwareDatetime


class MatterCompletedIn(Inbound):
    matter_id: str = Field(min_length=1)
    completed_at: AwareDatetime
    outcome: str = Field("approved", pattern="^(approved|refused|withdrawn)$")
    exemption: ExemptionReason | None = None


class FindingIn(Inbound):
    finding_id: str = Field(min_length=1)
    unit_id: str = Field(min_length=1)
    person_id: str | None = None
    area: InspectionArea
    issue: str = Field(min_length=1)
    severity: Severity
    evidence: list[str] = Field(default_factory=list)
    inspected_at: AwareDatetime
    team: str = ""

