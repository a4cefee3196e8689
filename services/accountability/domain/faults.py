"""Fault (过错): one established failure by a unit, with the evidence that proves it."""

from datetime import date
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .vocabulary import ACCOUNTABILITY_NAMESPACE, ExemptionReason, FaultKind, Role, Severity


def fault_id_for(kind: FaultKind | str, source_event_id: str) -> UUID:
    """The same evidence always names the same fault, so a redelivered event is not a new fault."""
    return uuid5(ACCOUNTABILITY_NAMESPACE, f"fault:{FaultKind(kind).value}:{source_event_id}")


class Exemption(BaseModel):
    """免责: the fault is recorded but produces no measure and does not count in history."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    reason: ExemptionReason = Field(description="applicant_falsified | force_majeure")
    note: str = Field(min_length=1, description="Who established the exemption, and on what basis")


class Fault(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID = Field(description="uuid5 of kind + source event id; see fault_id_for")
    kind: FaultKind
    unit_id: str = Field(min_length=1)
    occurred_on: date = Field(description="Date of the fault, Asia/Shanghai")
    category: str = Field(min_length=1, description="e.g. 门难进, 乱收费, 限时办结, 政务值守, 实施方案")
    severity: Severity | None = Field(
        default=None, description="None: the rule book derives it (e.g. from lateness)"
    )
    responsible: dict[Role, str] = Field(
        description="Person ids by role as of the fault date; handler is required"
    )
    evidence: tuple[str, ...] = Field(min_length=1, description="Source event ids")
    working_days: dict[str, int] = Field(
        default_factory=dict, description="Working-day counts, e.g. {'lateness': 4}"
    )
    calendar_version: str | None = Field(
        default=None, description="Version of the working-day calendar the counts came from"
    )
    exemption: Exemption | None = None

    @model_validator(mode="after")
    def _check(self) -> "Fault":
        # Somebody always did the work; for unit-level faults (a report not submitted) that is
        # the unit's liaison. Without a handler a fault would silently produce no measure.
        if Role.HANDLER not in self.responsible:
            raise ValueError("responsible must name the handler (承办人)")
        if Role.LEADER in self.responsible:
            raise ValueError("the leader is found on the roster, not named on a fault")
        negative = {k: v for k, v in self.working_days.items() if v < 0}
        if negative:
            raise ValueError(f"working-day counts must not be negative: {negative}")
        return self

    @classmethod
    def from_source(cls, *, kind: FaultKind | str, source_event_id: str, **fields) -> "Fault":
        """Build a fault whose id derives from its source event; that event heads the evidence."""
        extra = tuple(e for e in fields.pop("evidence", ()) if e != source_event_id)
        return cls(
            id=fault_id_for(kind, source_event_id),
            kind=FaultKind(kind),
            evidence=(source_event_id, *extra),
            **fields,
        )

    @property
    def sort_key(self) -> tuple[date, str]:
        """Canonical order: by date, then by fault id. Same-day faults are ordered by id, which
        is derived from evidence — never by arrival order — so replays agree."""
        return (self.occurred_on, str(self.id))

    @property
    def is_exempt(self) -> bool:
        return self.exemption is not None
