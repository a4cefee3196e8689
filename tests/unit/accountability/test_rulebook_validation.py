"""Each way a rule book is rejected, with a precise message; the previous version stays in force."""

import copy
from datetime import date

import pytest
import yaml

from services.accountability.domain import (
    DEFAULT_RULEBOOK_PATH, RuleBookError, RuleBookRegistry, build_rulebook, parse_rulebook,
)

from .builders import DEFAULT_BOOK

RAW = yaml.safe_load(DEFAULT_RULEBOOK_PATH.read_text(encoding="utf-8"))


def _measure(raw, code):
    return next(m for m in raw["measures"] if m["code"] == code)


def _rule(raw, rule_id):
    return next(r for r in raw["rules"] if r["id"] == rule_id)


def unknown_measure(raw):
    _rule(raw, "R11-late-completion-general")["measure"] = "scolding"


def unknown_escalation_target(raw):
    _measure(raw, "expulsion")["escalates_to"] = "exile"


def ladder_cycle(raw):
    _measure(raw, "expulsion")["escalates_to"] = "warning"


def ladder_fork(raw):
    _measure(raw, "reminder")["escalates_to"] = "admonition"


def missing_points(raw):
    del _measure(raw, "demotion")["points"]


def unknown_category(raw):
    _rule(raw, "R04-integrity-general")["categories"] = ["乱收费", "乱收費"]


def unknown_kind(raw):
    _rule(raw, "R06-complaint-general")["kinds"] = ["complaint_substanciated"]


def unknown_severity(raw):
    _rule(raw, "R03-integrity-serious")["severities"] = ["较重"]


def shadowed_rule(raw):
    raw["rules"].insert(3, {"id": "R-broad", "categories": ["三乱", "乱收费", "乱摊派", "乱罚款", "吃拿卡要"],
                            "measure": "public_criticism", "liable": {"handler": "primary"}})


def uncovered_kind(raw):
    raw["rules"] = [r for r in raw["rules"] if r["id"] != "R15-chargeback-general"]


def handler_not_primary(raw):
    _rule(raw, "R13-once-notice-general")["liable"] = {"handler": "secondary"}


def unknown_dual_duty_measure(raw):
    raw["dual_duty"]["tiers"][0]["measure"] = "talking_to"


def structural_error(raw):
    raw["effective_from"] = "next spring"


CASES = [
    (unknown_measure, "rule 'R11-late-completion-general' names unknown measure 'scolding'"),
    (unknown_escalation_target, "measure 'expulsion' escalates to unknown measure 'exile'"),
    (ladder_cycle, "cycle in the measure ladder: warning → demerit → major_demerit → demotion → "
                   "dismissal_from_post → expulsion → warning"),
    (ladder_fork, "ladder forks: reminder and supervision both escalate to 'admonition'"),
    (missing_points, "measure 'demotion' has no point value (points)"),
    (unknown_category, "rule 'R04-integrity-general' can never match: category '乱收費' is not in the vocabulary"),
    (unknown_kind, "rule 'R06-complaint-general' can never match: fault kind 'complaint_substanciated' is not in"),
    (unknown_severity, "rule 'R03-integrity-serious' can never match: severity '较重' is not in the vocabulary"),
    (shadowed_rule, "rule 'R04-integrity-general' can never match: shadowed entirely by earlier rule 'R-broad'"),
    (uncovered_kind, "no category-independent rule covers kind 'return_out_of_window' with severity '一般'"),
    (handler_not_primary, "rule 'R13-once-notice-general': the handler must be liable as primary"),
    (unknown_dual_duty_measure, "dual_duty tier nth=3 names unknown measure 'talking_to'"),
    (structural_error, "effective_from:"),
]


@pytest.mark.parametrize("breaks,message", CASES, ids=[c[0].__name__ for c in CASES])
def test_rejected_with_precise_message(breaks, message):
    raw = copy.deepcopy(RAW)
    breaks(raw)
    with pytest.raises(RuleBookError) as err:
        build_rulebook(raw)
    assert any(message in p for p in err.value.problems), err.value.problems
    assert "2026.1" in str(err.value)


@pytest.mark.parametrize("breaks,message", CASES, ids=[c[0].__name__ for c in CASES])
def test_previous_version_stays_in_force_when_new_one_is_rejected(breaks, message):
    registry = RuleBookRegistry(DEFAULT_BOOK)
    raw = copy.deepcopy(RAW)
    raw["version"], raw["effective_from"] = "2026.2", date(2026, 7, 1)
    breaks(raw)
    with pytest.raises(RuleBookError):
        registry.load_text(yaml.safe_dump(raw, allow_unicode=True))
    assert registry.versions == ("2026.1",)
    assert registry.in_force_on(date(2026, 8, 1)) is DEFAULT_BOOK


def test_registry_switches_on_effective_date_and_refuses_edited_versions():
    registry = RuleBookRegistry(DEFAULT_BOOK)
    raw = copy.deepcopy(RAW)
    raw["version"], raw["effective_from"] = "2026.2", date(2026, 7, 1)
    newer = registry.load_text(yaml.safe_dump(raw, allow_unicode=True))
    assert registry.in_force_on(date(2026, 6, 30)).version == "2026.1"
    assert registry.in_force_on(date(2026, 7, 1)) is newer
    raw["base_points"] = 90  # same version, different content
    with pytest.raises(RuleBookError, match="already loaded with different content"):
        registry.load_text(yaml.safe_dump(raw, allow_unicode=True))
    assert registry.get("2026.2") is newer
    with pytest.raises(LookupError, match="no rule book is in force"):
        registry.in_force_on(date(2025, 12, 31))


def test_not_yaml_and_not_a_mapping():
    with pytest.raises(RuleBookError, match="not valid YAML"):
        parse_rulebook("version: [unclosed")
    with pytest.raises(RuleBookError, match="expected a mapping"):
        parse_rulebook("- just\n- a list\n")
