"""Accountability domain (行政过错责任追究): pure functions and models, no I/O besides reading a
rule book file. Wire it into the service by calling these; see docs/rulebook.md."""

from .appeals import AppealError, WorkingDaysBetween, apply_appeal, file_appeal, rule_on_appeal
from .bulletin import render_bulletin
from .decide import LeaderLookup, decide, derive_severity
from .explain import render_explanation
from .faults import Exemption, Fault, fault_id_for
from .measures import Appeal, Explanation, FaultRef, LiabilityLink, Measure, measure_id_for
from .rectification import (
    RectificationError, RectificationOrder, check_rectification, orders_rectification,
    owes_rectification, withdrawal_reason,
)
from .replay import Decisions, MeasureChange, ReplayError, ScoreChange, WhatIfReport, replay, what_if
from .rulebook import RuleBook
from .rulebook_loader import DEFAULT_RULEBOOK_PATH, RuleBookRegistry, load_rulebook, parse_rulebook
from .rulebook_validation import RuleBookError, build_rulebook
from .scoring import Deduction, UnitScore, period_of, score_units
from .vocabulary import (
    AppealRuling, ExemptionReason, FaultKind, MeasureStatus, Role, Severity, Share,
)

__all__ = [
    "Appeal", "AppealError", "AppealRuling", "Decisions", "Deduction", "Exemption",
    "ExemptionReason", "Explanation", "Fault", "FaultKind", "FaultRef", "LeaderLookup",
    "LiabilityLink", "Measure", "MeasureChange", "MeasureStatus", "RectificationError",
    "RectificationOrder", "ReplayError", "Role", "RuleBook", "RuleBookError",
    "RuleBookRegistry", "ScoreChange", "Severity", "Share", "UnitScore", "WhatIfReport",
    "WorkingDaysBetween", "DEFAULT_RULEBOOK_PATH", "apply_appeal", "build_rulebook",
    "check_rectification", "decide", "derive_severity", "fault_id_for", "file_appeal",
    "load_rulebook", "measure_id_for", "orders_rectification", "owes_rectification",
    "parse_rulebook", "period_of", "render_bulletin", "render_explanation", "replay",
    "rule_on_appeal", "score_units", "what_if", "withdrawal_reason",
]
