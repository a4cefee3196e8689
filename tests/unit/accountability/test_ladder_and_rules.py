"""Every rung of the default ladder, and which rule turns which fault into which measure."""

from datetime import date

import pytest

from services.accountability.domain import FaultKind as K, Severity as S, decide, derive_severity

from .builders import DEFAULT_BOOK, fault, no_leader

LADDER = [
    ("reminder", "提醒", 3), ("supervision", "督办", 3), ("admonition", "效能告诫", 3),
    ("public_criticism", "通报批评", 20), ("admonitory_talk", "诫勉谈话", 30),
    ("warning", "警告", 50), ("demerit", "记过", 60), ("major_demerit", "记大过", 70),
    ("demotion", "降级", 80), ("dismissal_from_post", "撤职", 90), ("expulsion", "开除", 100),
]


def test_default_ladder_order_names_and_points():
    assert DEFAULT_BOOK.version == "2026.1"
    assert list(DEFAULT_BOOK.ladder) == [c for c, _, _ in LADDER]
    for code, name, points in LADDER:
        m = DEFAULT_BOOK.measure(code)
        assert (m.name_zh, m.points) == (name, points)
        assert m.in_bulletin == (DEFAULT_BOOK.rung(code) >= DEFAULT_BOOK.rung("public_criticism"))
        assert m.referral == (DEFAULT_BOOK.rung(code) >= DEFAULT_BOOK.rung("warning"))


@pytest.mark.parametrize("i", range(len(LADDER)))
def test_each_rung_escalates_to_the_next_and_the_top_saturates(i):
    code = LADDER[i][0]
    expected_up = LADDER[min(i + 1, len(LADDER) - 1)][0]
    expected_down = LADDER[max(i - 1, 0)][0]
    assert DEFAULT_BOOK.escalate(code, 1) == expected_up
    assert DEFAULT_BOOK.descend(code, 1) == expected_down


# (kind, category, severity, prior faults of the unit in 12 months, expected rule, expected measure)
RUNG_CASES = [
    (K.LATE_COMPLETION, "限时办结", S.GENERAL, 0, "R11-late-completion-general", "reminder"),
    (K.REPEAT_SUPPLEMENT_REQUEST, "一次性告知", S.GENERAL, 0, "R13-once-notice-general", "reminder"),
    (K.CHARGEBACK_OUT_OF_WINDOW, "退单", S.GENERAL, 0, "R15-chargeback-general", "reminder"),
    (K.DEADLINE_MISSED, "限时办结", S.GENERAL, 0, "R10-deadline-missed-general", "supervision"),
    (K.INSPECTION_FINDING, "政务值守", S.GENERAL, 0, "R08-inspection-general", "supervision"),
    (K.COMPLAINT_SUBSTANTIATED, "门难进", S.GENERAL, 0, "R06-complaint-general", "admonition"),
    (K.DEADLINE_MISSED, "限时办结", S.SERIOUS, 0, "R09-deadline-serious", "admonition"),
    (K.COMPLAINT_SUBSTANTIATED, "事难办", S.SERIOUS, 0, "R05-complaint-serious", "public_criticism"),
    (K.COMPLAINT_SUBSTANTIATED, "乱收费", S.GENERAL, 0, "R04-integrity-general", "public_criticism"),
    (K.COMPLAINT_SUBSTANTIATED, "吃拿卡要", S.SERIOUS, 0, "R03-integrity-serious", "admonitory_talk"),
    (K.INSPECTION_FINDING, "工作作风", S.GRAVE, 0, "R02-any-grave", "warning"),
    (K.INSPECTION_FINDING, "工作作风", S.GRAVE, 2, "R02-any-grave", "demerit"),  # 3rd: 从重 +1
    (K.COMPLAINT_SUBSTANTIATED, "乱罚款", S.GRAVE, 0, "R01-integrity-grave", "major_demerit"),
    (K.COMPLAINT_SUBSTANTIATED, "乱罚款", S.GRAVE, 2, "R01-integrity-grave", "demotion"),
    (K.COMPLAINT_SUBSTANTIATED, "乱罚款", S.GRAVE, 4, "R01-integrity-grave", "dismissal_from_post"),  # 5th: +2
    (K.COMPLAINT_SUBSTANTIATED, "乱罚款", S.GRAVE, 8, "R01-integrity-grave", "dismissal_from_post"),
]


@pytest.mark.parametrize("kind,category,severity,priors,rule_id,expected", RUNG_CASES)
def test_rule_and_rung_for_fault(kind, category, severity, priors, rule_id, expected):
    history = [fault(f"p{i}", on=date(2026, 1, 2 + i), kind=K.LATE_COMPLETION) for i in range(priors)]
    f = fault("x", on=date(2026, 3, 2), kind=kind, category=category, severity=severity)
    handler = [m for m in decide(f, history, DEFAULT_BOOK, no_leader) if m.role == "handler"]
    assert [(m.code, m.explanation.rule_id) for m in handler] == [(expected, rule_id)]
    assert handler[0].explanation.aggravated == (priors >= 2)


def test_expulsion_is_only_reached_by_escalating_from_dismissal():
    # No rule of 2026.1 gives 开除 directly: the office must publish a rule for it explicitly.
    assert DEFAULT_BOOK.escalate("dismissal_from_post", 1) == "expulsion"
    assert all(r.measure != "expulsion" for r in DEFAULT_BOOK.rules)


@pytest.mark.parametrize("lateness,expected", [(1, S.GENERAL), (5, S.GENERAL), (6, S.SERIOUS),
                                               (15, S.SERIOUS), (16, S.GRAVE), (40, S.GRAVE)])
def test_severity_derived_from_lateness_when_source_gives_none(lateness, expected):
    f = fault(1, on=date(2026, 3, 2), severity=None, lateness=lateness)
    severity, basis = derive_severity(f, DEFAULT_BOOK)
    assert severity == expected
    assert f"{lateness} 个工作日" in basis


def test_given_severity_wins_over_lateness_and_missing_both_uses_default():
    assert derive_severity(fault(1, on=date(2026, 3, 2), severity=S.GRAVE, lateness=1), DEFAULT_BOOK)[0] == S.GRAVE
    assert derive_severity(fault(1, on=date(2026, 3, 2), severity=None), DEFAULT_BOOK)[0] == S.GENERAL


def test_supervision_order_carries_its_rectification_deadline():
    [m] = decide(fault(1, on=date(2026, 3, 2)), [], DEFAULT_BOOK, no_leader)
    assert (m.code, m.rectification_working_days) == ("supervision", 10)


def test_reviewer_and_approver_answer_one_rung_below_the_handler():
    f = fault(1, on=date(2026, 3, 2), severity=S.SERIOUS, handler="H", reviewer="R", approver="A")
    got = decide(f, [], DEFAULT_BOOK, no_leader)
    assert [(m.person_id, m.role, m.share, m.code) for m in got] == [
        ("H", "handler", "primary", "admonition"),
        ("R", "reviewer", "secondary", "supervision"),
        ("A", "approver", "secondary", "supervision"),
    ]


def test_one_person_in_two_roles_receives_only_the_heavier_measure():
    f = fault(1, on=date(2026, 3, 2), severity=S.SERIOUS, handler="H", reviewer="H", approver="A")
    got = decide(f, [], DEFAULT_BOOK, no_leader)
    assert [(m.person_id, m.code) for m in got] == [("H", "admonition"), ("A", "supervision")]
    assert any("只按较重的一项处理" in n for n in got[0].explanation.notes)


def test_missing_reviewer_is_noted_not_silently_skipped():
    got = decide(fault(1, on=date(2026, 3, 2), severity=S.SERIOUS, handler="H"), [], DEFAULT_BOOK, no_leader)
    assert [m.person_id for m in got] == ["H"]
    assert any("未载明审核人" in n for n in got[0].explanation.notes)
