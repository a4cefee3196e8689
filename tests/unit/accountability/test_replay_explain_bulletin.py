"""Replay determinism under shuffling, what-if between rule-book versions, explanation, bulletin."""

import random
from datetime import date

import pytest

from services.accountability.domain import (
    AppealRuling, ReplayError, Severity, build_rulebook, decide, file_appeal, render_bulletin,
    render_explanation, replay, rule_on_appeal, what_if,
)

from .builders import DEFAULT_BOOK, fault, roster, weekdays_between

LEADERS = roster({"U1": [(date(2025, 1, 1), date(2026, 2, 28), "L-old"), (date(2026, 3, 1), None, "L-new")],
                  "U2": [(date(2025, 1, 1), None, "L-u2")]})


def log():
    """Several faults on the same days, in the same units, with repeats and an exemption."""
    faults = [fault(f"d{i}", on=date(2026, 3, 2 + i // 3), unit=f"U{1 + i % 2}", handler=f"P{i % 4}",
                    reviewer="R1", severity=[Severity.GENERAL, Severity.SERIOUS][i % 2]) for i in range(9)]
    faults.append(fault("c1", on=date(2026, 3, 3), kind="complaint_substantiated", category="乱收费",
                        unit="U1", handler="P9"))
    return faults


def test_replay_is_identical_under_any_shuffle_and_redelivery():
    reference = replay(log(), DEFAULT_BOOK, LEADERS)
    assert any(m.explanation.aggravated for m in reference.measures)
    assert any(m.role == "leader" for m in reference.measures)
    rng = random.Random(2026)
    for _ in range(20):
        faults = log() + log()[:3]  # at-least-once delivery repeats some events
        rng.shuffle(faults)
        assert replay(faults, DEFAULT_BOOK, LEADERS) == reference


def test_decide_alone_does_not_depend_on_history_order():
    faults = log()
    target = faults[-2]
    expected = decide(target, faults, DEFAULT_BOOK, LEADERS)
    for seed in range(10):
        shuffled = faults[:]
        random.Random(seed).shuffle(shuffled)
        assert decide(target, shuffled, DEFAULT_BOOK, LEADERS) == expected


def test_replay_rejects_two_faults_with_one_id_and_different_content():
    a = fault("same", on=date(2026, 3, 2))
    b = a.model_copy(update={"category": "服务质量"})
    with pytest.raises(ReplayError, match="twice with different content"):
        replay([a, b], DEFAULT_BOOK, LEADERS)


def test_replay_reapplies_recorded_appeals():
    base = replay(log(), DEFAULT_BOOK, LEADERS)
    target = next(m for m in base.measures if m.code == "public_criticism")
    filed = file_appeal(target, appellant=target.person_id, notified_on=date(2026, 3, 4), filed_on=date(2026, 3, 5),
                        reason="证据不足", rulebook=DEFAULT_BOOK, working_days_between=weekdays_between)
    revoked = rule_on_appeal(filed, ruling=AppealRuling.REVOKED, ruled_on=date(2026, 3, 20), reason="查无实据",
                             rulebook=DEFAULT_BOOK)
    again = replay(log(), DEFAULT_BOOK, LEADERS, appeals={target.id: revoked.appeal})
    assert next(m for m in again.measures if m.id == target.id).status == "revoked"
    report = what_if(base, again)
    assert [c.after.status for c in report.changed][0] == "revoked"
    assert [(s.unit_id, s.before, s.after) for s in report.score_changes] == [(target.unit_id, 54, 71)]


def test_what_if_a_stricter_rule_book():
    stricter = DEFAULT_BOOK.model_dump(exclude={"ladder"})
    stricter["version"] = "2026.2-draft"
    stricter["repeat"]["tiers"] = [{"nth": 2, "steps_up": 1}, {"nth": 5, "steps_up": 2}]  # 从重 from the 2nd
    a = replay(log(), DEFAULT_BOOK, LEADERS)
    b = replay(log(), build_rulebook(stricter), LEADERS)
    report = what_if(a, b)
    assert (report.version_a, report.version_b) == ("2026.1", "2026.2-draft")
    assert not report.added and not report.removed  # same people answer; only the rung moves
    assert report.changed and all(c.after.rung >= c.before.rung for c in report.changed)
    assert all(s.after <= s.before for s in report.score_changes) and report.score_changes
    assert what_if(a, a).changed == () and what_if(a, a).score_changes == ()


def test_explanation_names_rule_version_evidence_days_and_liability_chain():
    history = [fault("h1", on=date(2026, 1, 5)), fault("h2", on=date(2026, 2, 5))]
    f = fault("x", on=date(2026, 3, 2), severity=None, lateness=7, handler="H", reviewer="R")
    text = {m.role: render_explanation(m) for m in decide(f, history, DEFAULT_BOOK, LEADERS)}
    handler = text["handler"]
    for needle in ("R09-deadline-serious", "2026.1", "evt-x", "evt-h1", "evt-h2", "逾期 7 个工作日",
                   "cn-2026.1", "承办人", "直接责任", "从重：是", "第 3 次过错", "严重（按规则手册由逾期 7 个工作日推定"):
        assert needle in handler, needle
    assert "间接责任" in text["reviewer"]
    assert "L-new" in text["leader"] and "一岗双责" in text["leader"] and "领导责任" in text["leader"]


def test_bulletin_lists_public_criticism_and_above_in_the_month():
    faults = [
        fault("b1", on=date(2026, 3, 3), unit="U1", kind="complaint_substantiated", category="乱收费", handler="P1"),
        fault("b2", on=date(2026, 3, 9), unit="U2", kind="inspection_finding", category="工作作风",
              severity=Severity.GRAVE, handler="P2"),
        fault("b3", on=date(2026, 3, 10), unit="U2", kind="late_completion", handler="P3"),  # 提醒: not listed
        fault("b4", on=date(2026, 4, 1), unit="U1", kind="complaint_substantiated", category="乱罚款", handler="P4"),
        fault("b5", on=date(2026, 3, 12), unit="U1", kind="complaint_substantiated", category="吃拿卡要", handler="P5"),
    ]
    measures = list(replay(faults, DEFAULT_BOOK, LEADERS).measures)
    i = next(i for i, m in enumerate(measures) if m.person_id == "P5")
    measures[i] = file_appeal(measures[i], appellant="P5", notified_on=date(2026, 3, 13), filed_on=date(2026, 3, 16),
                              reason="不实", rulebook=DEFAULT_BOOK, working_days_between=weekdays_between)
    text = render_bulletin(2026, 3, measures, {"U1": "县市场监管局", "U2": "城关镇"})
    assert text.startswith("2026年3月行政效能问题通报")
    assert "本月共有 2 项" in text
    assert text.index("城关镇 承办人 P2") < text.index("县市场监管局 承办人 P1")  # heavier first
    assert "给予警告" in text and "给予通报批评" in text
    assert "P3" not in text and "P4" not in text and "P5" not in text
    assert "另有 1 项处理正在申诉复核中" in text
    assert "本月无通报批评及以上处理事项" in render_bulletin(2026, 5, measures, {})
    named = render_bulletin(2026, 3, measures, {"U2": "城关镇"}, {"P2": "王芳"})
    assert "城关镇 承办人 王芳：" in named and "P2" not in named
