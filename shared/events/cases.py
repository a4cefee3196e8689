"""Report submissions, matters (办件) and inspection findings, as intake publishes them."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.envelope import EventPayload, event
from shared.events.vocab import InspectionArea, PauseReason, Severity


@event("report.submitted")
class ReportSubmitted(EventPayload):
    submission_id: str = Field(description="Caller's id for this submission")
    campaign_id: str
    unit_id: str
    report_kind: str = Field(description="One of the campaign's required report kinds")
    submitted_at: AwareDatetime
    title: str = ""


@event("matter.accepted")
class MatterAccepted(EventPayload):
    matter_id: str = Field(description="Platform's matter number")
    unit_id: str
    title: str = Field(description="Service item, e.g. 建筑工程施工许可")
    matter_kind: str = Field("public_service",
                             description="administrative_licence | public_service | ...")
    promised_working_days: int = Field(gt=0, le=365, description="Promised limit (承诺时限)")
    accepted_at: AwareDatetime = Field(description="Dispatch/acceptance instant: the clock starts")
    handler_id: str = Field(description="承办 person id")
    reviewer_id: str | None = Field(None, description="审核 person id")
    approver_id: str | None = Field(None, description="批准 person id")


@event("matter.supplement_requested")
class SupplementRequested(EventPayload):
    matter_id: str
    unit_id: str
    requested_at: AwareDatetime
    missing_documents: list[str] = Field(min_length=1, description="Everything missing, at once")
    request_number: int = Field(ge=1, description="1 for the first request on this matter")


@event("matter.one_time_notice_breached")
class OneTimeNoticeBreached(EventPayload):
    """A second (or later) supplement request on one matter: a 一次性告知 violation."""

    matter_id: str
    unit_id: str
    handler_id: str
    reviewer_id: str | None = None
    approver_id: str | None = None
    request_number: int = Field(ge=2)
    requested_at: AwareDatetime
    first_request_event_id: str = Field(description="Evidence: the first request's event id")


@event("matter.paused")
class MatterPaused(EventPayload):
    matter_id: str
    unit_id: str
    reason: PauseReason
    paused_at: AwareDatetime
    note: str = ""


@event("matter.resumed")
class MatterResumed(EventPayload):
    matter_id: str
    unit_id: str
    resumed_at: AwareDatetime


@event("matter.extended")
class MatterExtended(EventPayload):
    matter_id: str
    unit_id: str
    extra_working_days: int = Field(gt=0)
    approved_by: str = Field(description="Person id of the approving head")
    reason: str
    extended_at: AwareDatetime


@event("matter.completed")
class MatterCompleted(EventPayload):
    matter_id: str
    unit_id: str
    completed_at: AwareDatetime
    outcome: str = Field("approved", description="approved | refused | withdrawn")
    exemption: str | None = Field(
        None, description="falsified_material | force_majeure when lateness is excused")


@event("inspection.finding_recorded")
class InspectionFindingRecorded(EventPayload):
    finding_id: str
    unit_id: str
    person_id: str | None = Field(None, description="Person found at fault, if any")
    area: InspectionArea = Field(description="六查六看 area")
    issue: str = Field(description="e.g. phone_unanswered, absent_from_post, gaming_at_work")
    severity: Severity
    evidence: list[str] = Field(default_factory=list, description="Photos, records: references")
    inspected_at: AwareDatetime
    team: str = Field("", description="Inspection team")
