"""效能投诉 inputs (12345 hotline, web, walk-in)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from services.intake.contract.base import Inbound
from shared.events.complaints import Complainant
from shared.events.vocab import ComplaintCategory, ComplaintChannel, Rating, Severity


class ComplaintFiledIn(Inbound):
    complaint_id: str = Field(min_length=1)
    channel: ComplaintChannel
    filed_at: AwareDatetime
    complainant: Complainant
    target_unit_id: str = Field(min_length=1, description="Unit complained about (required)")
    target_person_id: str | None = None
    against_leadership: bool | None = Field(
        None, description="Absent: true when the named person leads the unit on the filing date")
    category: ComplaintCategory
    description: str = Field(min_length=1)
    in_charge_unit_id: str | None = Field(
        None, description="归口管理: unit in charge when it is not the target unit itself")


class ComplaintAcceptedIn(Inbound):
    complaint_id: str = Field(min_length=1)
    accepted_at: AwareDatetime


class ComplaintRefusedIn(Inbound):
    complaint_id: str = Field(min_length=1)
    refused_at: AwareDatetime
    reason: str = Field(min_length=1)


class ComplaintReturnedIn(Inbound):
    complaint_id: str = Field(min_length=1)
    returned_at: AwareDatetime
    reason: str = Field(min_length=1, description="退单 needs a reason")


class ComplaintRedispatchedIn(Inbound):
    complaint_id: str = Field(min_length=1)
    to_unit_id: str = Field(min_length=1, description="Unit code or 'county-office'")
    dispatched_at: AwareDatetime


class ComplaintExtendedIn(Inbound):
    complaint_id: str = Field(min_length=1)
    extra_working_days: int = Field(gt=0, le=60)
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    extended_at: AwareDatetime


class ComplaintConcludedIn(Inbound):
    complaint_id: str = Field(min_length=1)
    concluded_at: AwareDatetime
    substantiated: bool
    findings: str = Field(min_length=1)
    responsible_person_id: str | None = None
    severity: Severity = Severity.general
    category: ComplaintCategory | None = Field(None, description="Absent: as filed")


class ComplaintRatedIn(Inbound):
    complaint_id: str = Field(min_length=1)
    rating: Rating
    rated_at: AwareDatetime
