"""The rule book (规则手册) as data. Structure is checked by pydantic; meaning (unknown measures,
cycles, rules that can never match) by rulebook_validation, which is the only way to build one."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MeasureDef(_Frozen):
    code: str = Field(min_length=1, description="Stable code, e.g. public_criticism")
    name_zh: str = Field(min_length=1, description="e.g. 通报批评")
    points: int | None = Field(default=None, description="Points deducted from the unit's score")
    escalates_to: str | None = Field(default=None, description="The next rung (从重 moves here)")
    rectification_working_days: int | None = Field(
        default=None, description="督办: working days to rectify; the deadlines service tracks it"
    )
    referral: bool = Field(default=False, description="Referral for 党纪政纪处分")
    in_bulletin: bool = Field(default=False, description="Listed in the monthly bulletin")


class Rule(_Frozen):
    id: str = Field(min_length=1)
    description: str = ""
    kinds: tuple[str, ...] = Field(default=(), description="Empty: any kind")
    categories: tuple[str, ...] = Field(default=(), description="Empty: any category")
    severities: tuple[str, ...] = Field(default=(), description="Empty: any severity")
    measure: str = Field(description="Base measure for the primary role")
    liable: dict[str, Literal["primary", "secondary"]] = Field(
        description="role -> share; handler must be primary"
    )

    def matches(self, kind: str, category: str, severity: str) -> bool:
        return (
            (not self.kinds or kind in self.kinds)
            and (not self.categories or category in self.categories)
            and (not self.severities or severity in self.severities)
        )


class RepeatTier(_Frozen):
    nth: int = Field(description="The nth fault within the window (current one included)")
    steps_up: int


class RepeatPolicy(_Frozen):
    scope: Literal["unit", "person"] = "unit"
    window_months: int = 12
    tiers: tuple[RepeatTier, ...] = ()


class DualDutyTier(_Frozen):
    nth: int
    measure: str


class DualDutyPolicy(_Frozen):
    window_months: int = 12
    tiers: tuple[DualDutyTier, ...] = ()


class SeverityStep(_Frozen):
    min_working_days: int
    severity: str


class RuleBookBody(_Frozen):
    version: str = Field(min_length=1)
    effective_from: date
    categories: tuple[str, ...] = Field(description="Known categories; rules may only name these")
    measures: tuple[MeasureDef, ...]
    rules: tuple[Rule, ...]
    repeat: RepeatPolicy = RepeatPolicy()
    dual_duty: DualDutyPolicy = DualDutyPolicy()
    secondary_rungs_below: int = Field(default=1, ge=0, description="审核/批准 get this many rungs less")
    severity_from_lateness: tuple[SeverityStep, ...] = ()
    lateness_key: str = "lateness"
    default_severity: str = "一般"
    appeal_window_working_days: int = Field(default=5, ge=1)
    scoring_period: Literal["quarter", "year"] = "quarter"
    base_points: int = 100
    score_floor: int = 0


class RuleBook(RuleBookBody):
    """A validated rule book. Build with rulebook_validation.build_rulebook, not directly."""

    # The ladder (lowest first), computed once during validation.
    ladder: tuple[str, ...]

    def measure(self, code: str) -> MeasureDef:
        for m in self.measures:
            if m.code == code:
                return m
        raise KeyError(f"rule book {self.version} has no measure {code!r}")

    def rung(self, code: str) -> int:
        return self.ladder.index(code)

    def escalate(self, code: str, steps: int) -> str:
        """Move up the ladder; the top rung saturates (there is nothing above 开除)."""
        return self.ladder[min(self.rung(code) + steps, len(self.ladder) - 1)]

    def descend(self, code: str, steps: int) -> str:
        return self.ladder[max(self.rung(code) - steps, 0)]

    def first_matching_rule(self, kind: str, category: str, severity: str) -> Rule:
        for rule in self.rules:
            if rule.matches(kind, category, severity):
                return rule
        # Validation guarantees coverage of every kind x severity, so this is a bug, not input.
        raise LookupError(f"no rule for {kind}/{category}/{severity} in {self.version}")
