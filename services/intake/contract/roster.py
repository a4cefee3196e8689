"""Roster and campaign inputs (county office; CLI import, HTTP, xn.in.roster)."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from services.intake.contract.base import Inbound
from shared.events.roster import Phase, RequiredReport
from shared.events.vocab import Role, UnitKind


class UnitIn(Inbound):
    unit_id: str = Field(min_length=1, max_length=40, description="Unit code, e.g. 'JYJ'")
    name: str = Field(min_length=1, description="Full Chinese name")
    kind: UnitKind
    level: str = Field("county", description="Supervising level")
    active: bool = True


class PersonIn(Inbound):
    person_id: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1)
    unit_id: str = Field(min_length=1, description="Home unit code (must be registered)")
    phone: str | None = None
    email: str | None = None


class AppointmentIn(Inbound):
    person_id: str = Field(min_length=1)
    unit_id: str = Field(min_length=1)
    role: Role
    effective_from: date = Field(description="First day in the role (YYYY-MM-DD)")
    effective_to: date | None = Field(None, description="Last day in the role; open if absent")

    @model_validator(mode="after")
    def _ordered(self) -> AppointmentIn:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self


class CampaignIn(Inbound):
    campaign_id: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1)
    phases: list[Phase] = Field(min_length=1)
    reports: list[RequiredReport] = Field(min_length=1)
    unit_ids: list[str] | None = Field(
        None, description="Units that owe the reports; absent = every active registered unit")
