"""Roster and campaign: who the units and people are, who holds which role when."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.envelope import Documented, EventPayload, event
from shared.events.vocab import Role, UnitKind


@event("unit.registered")
class UnitRegistered(EventPayload):
    unit_id: str = Field(description="Unit code, e.g. 'JYJ' (教育局); stable key")
    name: str = Field(description="Full Chinese name")
    kind: UnitKind = Field(description="department (县直部门) or township (乡镇)")
    level: str = Field("county", description="Supervising level, e.g. county")
    active: bool = Field(True, description="False when the unit is dissolved")


@event("person.registered")
class PersonRegistered(EventPayload):
    person_id: str = Field(description="Stable person id")
    name: str = Field(description="Name")
    unit_id: str = Field(description="Home unit code")
    phone: str | None = Field(None, description="Mobile number (personal data)")
    email: str | None = Field(None, description="E-mail address (personal data)")


@event("person.appointed")
class PersonAppointed(EventPayload):
    """Effective-dated role: answers 'who led unit X on date D'."""

    person_id: str = Field(description="Person id")
    unit_id: str = Field(description="Unit code")
    role: Role = Field(description="Role held in the unit")
    effective_from: date = Field(description="First day in the role")
    effective_to: date | None = Field(None, description="Last day in the role; open if null")


class Phase(Documented):
    code: str = Field(description="e.g. mobilise, self_check, rectify, acceptance")
    name: str = Field(description="e.g. 学习动员")
    start: date
    end: date


class RequiredReport(Documented):
    kind: str = Field(description="e.g. implementation_plan")
    name: str = Field(description="e.g. 实施方案")
    due: date = Field(description="Due by the end of this local day")


@event("campaign.configured")
class CampaignConfigured(EventPayload):
    campaign_id: str = Field(description="e.g. 'xiaoneng-2026'")
    year: int
    title: str
    phases: list[Phase] = Field(description="The campaign's phases in order")
    reports: list[RequiredReport] = Field(description="Reports every unit owes")
    unit_ids: list[str] = Field(description="Units that owe the reports")
