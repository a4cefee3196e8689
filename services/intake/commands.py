"""The inbound catalogue: every type intake accepts, its body model, its handler, the HTTP path
and the Kafka door that take it. Both doors and the CLI go through this one table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.intake.context import Ctx
from services.intake.contract import cases as ca
from services.intake.contract import complaints as co
from services.intake.contract import office as of
from services.intake.contract import roster as ro
from services.intake.contract.base import Inbound
from services.intake.handlers import cases, complaints, office, roster


@dataclass(frozen=True)
class Command:
    type: str
    model: type[Inbound]
    handle: Callable[[Ctx, Inbound], Awaitable[None]]
    path: str
    door: str | None  # 'roster' | 'reports' | 'matters' | 'complaints' | 'inspections'
    summary: str
    # The field that identifies the fact when the caller sends no Idempotency-Key: the same
    # id twice is a retry. None: the body's content identifies it. Roster types need neither,
    # they are idempotent by comparison with the stored roster.
    id_field: str | None = None
    idempotent_by_state: bool = False
    # The canonical topic, when it is not the door's own (see asyncapi.TOPIC_OF_DOOR).
    topic: str | None = None


def _c(type_: str, model, handle, path: str, door: str | None, summary: str, **kw) -> Command:
    return Command(type_, model, handle, path, door, summary, **kw)


COMMANDS: dict[str, Command] = {c.type: c for c in [
    _c("unit.registered", ro.UnitIn, roster.register_unit, "/v1/roster/units", "roster",
       "Register or update a unit", idempotent_by_state=True),
    _c("person.registered", ro.PersonIn, roster.register_person, "/v1/roster/people", "roster",
       "Register or update a person", idempotent_by_state=True),
    _c("person.appointed", ro.AppointmentIn, roster.appoint, "/v1/roster/appointments", "roster",
       "Appoint a person to a role in a unit, effective-dated", idempotent_by_state=True),
    _c("campaign.configured", ro.CampaignIn, roster.configure_campaign, "/v1/campaigns", "roster",
       "Configure a campaign year: phases and required reports", idempotent_by_state=True),
    _c("report.submitted", ca.ReportIn, cases.submit_report, "/v1/reports", "reports",
       "A unit submitted a campaign report", id_field="submission_id"),
    _c("matter.accepted", ca.MatterAcceptedIn, cases.accept_matter, "/v1/matters/accepted",
       "matters", "A matter was accepted with a promised limit (the clock starts)",
       id_field="matter_id"),
    _c("matter.supplement_requested", ca.SupplementIn, cases.request_supplement,
       "/v1/matters/supplement-requested", "matters",
       "Supplement requested (a 2nd request is a 一次性告知 breach)"),
    _c("matter.paused", ca.MatterPausedIn, cases.pause_matter, "/v1/matters/paused", "matters",
       "Statutory pause (听证/检验/鉴定/专家评审) or awaiting the applicant"),
    _c("matter.resumed", ca.MatterResumedIn, cases.resume_matter, "/v1/matters/resumed",
       "matters", "The paused clock runs again"),
    _c("matter.extended", ca.MatterExtendedIn, cases.extend_matter, "/v1/matters/extended",
       "matters", "An approved extension"),
    _c("matter.completed", ca.MatterCompletedIn, cases.complete_matter, "/v1/matters/completed",
       "matters", "The matter was completed (办结)"),
    _c("complaint.filed", co.ComplaintFiledIn, complaints.file_complaint, "/v1/complaints",
       "complaints", "File a complaint; intake routes it (分级负责、归口管理)",
       id_field="complaint_id"),
    _c("complaint.accepted", co.ComplaintAcceptedIn, complaints.accept_complaint,
       "/v1/complaints/accepted", "complaints", "The handling unit accepted the complaint"),
    _c("complaint.refused", co.ComplaintRefusedIn, complaints.refuse_complaint,
       "/v1/complaints/refused", "complaints", "The handling unit refused it, with a reason"),
    _c("complaint.returned", co.ComplaintReturnedIn, complaints.return_complaint,
       "/v1/complaints/returned", "complaints", "退单: sent back as wrongly routed, with a reason"),
    _c("complaint.redispatched", co.ComplaintRedispatchedIn, complaints.redispatch_complaint,
       "/v1/complaints/redispatched", "complaints", "Dispatched again to another unit"),
    _c("complaint.extended", co.ComplaintExtendedIn, complaints.extend_complaint,
       "/v1/complaints/extended", "complaints", "An approved extension"),
    _c("complaint.concluded", co.ComplaintConcludedIn, complaints.conclude_complaint,
       "/v1/complaints/concluded", "complaints", "Concluded: substantiated or not, with findings"),
    _c("complaint.rated", co.ComplaintRatedIn, complaints.rate_complaint, "/v1/complaints/rated",
       "complaints", "The complainant's rating; 'unsatisfied' reopens the complaint"),
    _c("inspection.finding_recorded", ca.FindingIn, cases.record_finding, "/v1/inspections/findings",
       "inspections", "A 督查 finding in a 六查六看 area", id_field="finding_id"),
    _c("appeal.lodged", of.AppealLodgedIn, office.lodge_appeal, "/v1/office/appeals", None,
       "An appeal (申诉) against a measure", id_field="appeal_id"),
    _c("appeal.decided", of.AppealDecidedIn, office.decide_appeal, "/v1/office/appeals/decided",
       None, "The office's decision on an appeal", id_field="appeal_id"),
    _c("fault.exemption_granted", of.ExemptionIn, office.grant_exemption, "/v1/office/exemptions",
       None, "Excuse a fault (falsified material, force majeure)", id_field="subject_id"),
    # The 督查 platform, whose teams check 督办 follow-ups, may send it too; the event goes on
    # the office topic with the appeals of the same measure.
    _c("rectification.completed", of.RectificationIn, office.confirm_rectification,
       "/v1/office/rectifications", "inspections",
       "A 督办's rectification is done, as the office confirmed (closes its clock)",
       topic="office"),
]}


def door_types(door: str) -> list[str]:
    return [c.type for c in COMMANDS.values() if c.door == door]
