"""效能投诉: a complaint's life from filing to the complainant's rating."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.envelope import Documented, EventPayload, event
from shared.events.vocab import ComplaintCategory, ComplaintChannel, Rating, Severity


class Complainant(Documented):
    name: str
    phone: str | None = Field(None, description="Personal data; masked in logs")
    email: str | None = Field(None, description="Personal data; masked in logs")
    organisation: str | None = Field(None, description="Enterprise name, if any")


@event("complaint.filed")
class ComplaintFiled(EventPayload):
    complaint_id: str
    channel: ComplaintChannel
    filed_at: AwareDatetime
    complainant: Complainant
    target_unit_id: str = Field(description="Unit complained about")
    target_person_id: str | None = Field(None, description="Person complained about, if named")
    against_leadership: bool = Field(description="True when the target is the unit's leadership")
    category: ComplaintCategory
    description: str
    routed_to: str = Field(description="'county-office' (分级负责) or the unit in charge (归口管理)")
    dispatched_at: AwareDatetime = Field(description="When it reached the handling unit: the clock")


@event("complaint.accepted")
class ComplaintAccepted(EventPayload):
    complaint_id: str
    handling_unit_id: str
    accepted_at: AwareDatetime


@event("complaint.refused")
class ComplaintRefused(EventPayload):
    complaint_id: str
    handling_unit_id: str
    refused_at: AwareDatetime
    reason: str


@event("complaint.returned")
class ComplaintReturned(EventPayload):
    """退单: the handling unit sends a wrongly routed complaint back."""

    complaint_id: str
    by_unit_id: str
    returned_at: AwareDatetime
    dispatched_at: AwareDatetime = Field(description="When the returning unit received it")
    reason: str = Field(min_length=1)
    hop: int = Field(ge=1, description="How many times this complaint has been returned")


@event("complaint.redispatched")
class ComplaintRedispatched(EventPayload):
    complaint_id: str
    to_unit_id: str
    dispatched_at: AwareDatetime


@event("complaint.extended")
class ComplaintExtended(EventPayload):
    complaint_id: str
    handling_unit_id: str
    extra_working_days: int = Field(gt=0)
    reason: str
    approved_by: str
    extended_at: AwareDatetime


@event("complaint.concluded")
class ComplaintConcluded(EventPayload):
    complaint_id: str
    handling_unit_id: str
    target_unit_id: str
    concluded_at: AwareDatetime
    substantiated: bool
    findings: str
    responsible_person_id: str | None = None
    severity: Severity = Severity.general
    category: ComplaintCategory


@event("complaint.rated")
class ComplaintRated(EventPayload):
    complaint_id: str
    rating: Rating
    rated_at: AwareDatetime


@event("complaint.reopened")
class ComplaintReopened(EventPayload):
    """Follows an 'unsatisfied' rating: the conclusion clock runs again."""

    complaint_id: str
    handling_unit_id: str
    reopened_at: AwareDatetime
    reason: str
