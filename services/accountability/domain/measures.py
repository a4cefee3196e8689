"""Measure (处理措施): what one person receives for one fault, with its full explanation."""

from datetime import date
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from .vocabulary import (
    ACCOUNTABILITY_NAMESPACE, AppealRuling, FaultKind, MeasureStatus, Role, Severity, Share,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def measure_id_for(fault_id: UUID, person_id: str, rule_id: str) -> UUID:
    return uuid5(ACCOUNTABILITY_NAMESPACE, f"measure:{fault_id}:{person_id}:{rule_id}")


class FaultRef(_Frozen):
    """A fault named in an explanation: the one decided, or one counted for 从重 / 一岗双责."""

    fault_id: UUID
    kind: FaultKind
    occurred_on: date
    category: str
    evidence: tuple[str, ...]


class LiabilityLink(_Frozen):
    person_id: str
    role: Role
    share: Share
    reason: str = Field(description="Why this person answers, in Chinese")


class Explanation(_Frozen):
    rule_id: str
    rulebook_version: str
    fault: FaultRef
    severity: Severity
    severity_basis: str = Field(description="Given by the source, or how the rule book derived it")
    working_days: dict[str, int]
    calendar_version: str | None
    liability: LiabilityLink
    base_measure: str
    aggravated: bool = Field(description="从重 applied")
    aggravation_reason: str | None
    counted_faults: tuple[FaultRef, ...] = Field(
        description="Prior faults counted for 从重 or 一岗双责, in canonical order"
    )
    notes: tuple[str, ...] = ()


class Appeal(_Frozen):
    """申诉 and its ruling. The record is enough to re-apply it during replay."""

    appellant: str
    notified_on: date
    filed_on: date
    reason: str
    ruling: AppealRuling | None = None
    ruled_on: date | None = None
    ruling_reason: str | None = None
    original_measure: str = Field(description="Measure code before any reduction")
    reduced_to: str | None = None


class Measure(_Frozen):
    id: UUID = Field(description="uuid5 of fault id + person id + rule id")
    fault_id: UUID
    unit_id: str
    person_id: str
    role: Role
    share: Share
    occurred_on: date = Field(description="Date of the fault; it decides the scoring period")
    code: str
    name_zh: str
    rung: int = Field(description="0 = lowest rung of the ladder of the rule book")
    points: int
    rectification_working_days: int | None = None
    referral: bool = False
    in_bulletin: bool = False
    status: MeasureStatus = MeasureStatus.IN_FORCE
    appeal: Appeal | None = None
    explanation: Explanation

    @property
    def counts_for_escalation(self) -> bool:
        return self.status is MeasureStatus.IN_FORCE

    @property
    def sort_key(self) -> tuple[date, str, int, str]:
        share_order = list(Share).index(self.share)
        return (self.occurred_on, str(self.fault_id), share_order, self.person_id)
