"""The persisted state of one deadline: everything needed to recompute its schedule from scratch.

Pydantic models (frozen) so the service can store the state as JSON and replay it; every change
goes through the functions in lifecycle.py, which return a new state.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class PauseReason(StrEnum):
    """Why the clock stops; the statutory ones follow 行政许可法 art. 45."""

    HEARING = "hearing"  # 听证
    TESTING = "testing"  # 检验、检测
    APPRAISAL = "appraisal"  # 鉴定
    EXPERT_REVIEW = "expert_review"  # 专家评审
    AWAITING_APPLICANT = "awaiting_applicant"  # 申请人补正材料


class DeadlineStatus(StrEnum):
    OPEN = "open"
    MET = "met"  # closed on or before due_at
    MISSED = "missed"  # closed after due_at (met late)


class Pause(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: PauseReason
    paused_at: datetime
    resumed_at: datetime | None = Field(None, description="None while the clock is stopped")


class Extension(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: int = Field(gt=0, description="Days granted, in the kind's extension counting unit")
    approved_at: datetime
    reason: str = ""


class DeadlineState(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="Key in deadline_kinds.yaml, e.g. 'matter'")
    rule_version: str = Field(description="Version of the rule book the deadline was opened under")
    started_at: datetime = Field(description="Dispatch/acceptance instant; counting starts next day")
    limit_days: int | None = Field(None, description="Base limit; None for fixed-date kinds")
    due_date: date | None = Field(None, description="Fixed local due date (fixed-date kinds)")
    category: str | None = None
    pauses: tuple[Pause, ...] = ()
    extensions: tuple[Extension, ...] = ()
    fired: frozenset[str] = Field(frozenset(), description="Warning ids / 'overdue' already acted on")
    status: DeadlineStatus = DeadlineStatus.OPEN
    closed_at: datetime | None = None

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].resumed_at is None

    @property
    def last_event_at(self) -> datetime:
        """Latest instant recorded on the deadline; commands may not go back before it."""
        instants = [self.started_at]
        for pause in self.pauses:
            instants += [pause.paused_at] + ([pause.resumed_at] if pause.resumed_at else [])
        instants += [e.approved_at for e in self.extensions]
        return max(instants)
