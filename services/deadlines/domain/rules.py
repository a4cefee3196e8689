"""Deadline kinds and their rules, loaded from deadline_kinds.yaml (versioned configuration)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import DeadlineRuleError
from .state import PauseReason

DEFAULT_RULES_PATH = Path(__file__).with_name("deadline_kinds.yaml")


class Counting(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    FIXED_DATE = "fixed_date"  # a date given per deadline, e.g. campaign report 5/15


class ExpiryAction(StrEnum):
    RED_CARD = "red_card"  # a unit failed to act in time: a fault
    WINDOW_CLOSED = "window_closed"  # a right lapsed (退单, appeal): no fault, the window just ends


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WarningRule(_Strict):
    percent_elapsed: tuple[int, ...] = Field((), description="Yellow cards at these % of allowed time")
    working_days_before: tuple[int, ...] = Field((), description="Yellow cards N working days before")

    @model_validator(mode="after")
    def _check(self) -> WarningRule:
        if any(not 0 < p < 100 for p in self.percent_elapsed):
            raise ValueError("percent_elapsed values must be between 1 and 99")
        if any(n < 1 for n in self.working_days_before):
            raise ValueError("working_days_before values must be >= 1")
        return self


class ExtensionQuota(_Strict):
    max_count: int = Field(0, ge=0)
    max_days_each: int = Field(0, ge=0)
    counting: Counting = Counting.WORKING_DAYS


class DeadlineRule(_Strict):
    kind: str
    title: str
    rule_version: str
    counting: Counting
    limit: int | None = Field(None, gt=0, description="Default limit; None = given per deadline")
    limit_by_category: dict[str, int] = {}
    roll_to_workday: bool = Field(False, description="Move a due date on a holiday to next workday")
    warnings: WarningRule = WarningRule()
    extensions: ExtensionQuota = ExtensionQuota()
    pause_reasons: tuple[PauseReason, ...] = ()
    on_expiry: ExpiryAction = ExpiryAction.RED_CARD

    @model_validator(mode="after")
    def _check(self) -> DeadlineRule:
        if self.extensions.counting is Counting.FIXED_DATE:
            raise ValueError("extensions are counted in working_days or calendar_days")
        if self.counting is Counting.FIXED_DATE and (self.limit or self.limit_by_category):
            raise ValueError("a fixed_date kind takes its date per deadline, not a limit")
        if any(v <= 0 for v in self.limit_by_category.values()):
            raise ValueError("limit_by_category values must be > 0")
        return self

    def resolve_limit(self, limit_days: int | None, category: str | None) -> int:
        """Explicit limit > category override > kind default."""
        if limit_days is not None:
            if limit_days <= 0:
                raise DeadlineRuleError("limit_invalid", f"{self.kind}: limit must be > 0, got {limit_days}")
            return limit_days
        if category is not None and category in self.limit_by_category:
            return self.limit_by_category[category]
        if self.limit is None:
            raise DeadlineRuleError("limit_required", f"{self.kind}: a limit in days must be given")
        return self.limit


class RuleBook(_Strict):
    version: str
    kinds: dict[str, DeadlineRule]

    def rule(self, kind: str) -> DeadlineRule:
        try:
            return self.kinds[kind]
        except KeyError:
            known = sorted(self.kinds)
            raise DeadlineRuleError("unknown_kind", f"no deadline kind {kind!r}; known: {known}") from None


def load_rule_book(path: str | Path = DEFAULT_RULES_PATH) -> RuleBook:
    """Parse deadline_kinds.yaml; each kind gets its key and the book's version stamped in."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "version" not in raw or not isinstance(raw.get("kinds"), dict):
        raise ValueError(f"{path}: expected 'version' and a 'kinds' mapping")
    version = str(raw["version"])
    try:
        kinds = {
            key: DeadlineRule(kind=key, rule_version=version, **(body or {}))
            for key, body in raw["kinds"].items()
        }
        return RuleBook(version=version, kinds=kinds)
    except (ValidationError, TypeError) as exc:
        raise ValueError(f"{path}: invalid deadline rules: {exc}") from exc
