"""申诉 transitions and their effect on 从重 and on the unit's score; 效能考评 and rankings."""

from datetime import date

import pytest

from services.accountability.domain import (
    AppealError, AppealRuling, MeasureStatus, Severity, build_rulebook, decide, file_appeal,
    rule_on_appeal, score_units,
)

from .builders import DEFAULT_BOOK, fault, no_leader, weekdays_between

NOTIFIED = date(2026, 3, 2)  # a Monday


def criticism():
    [m] = decide(fault("c", on=date(2026, 3, 2), kind="complaint_substantiated", category="乱收费"),
                 [], DEFAULT_BOOK, no_leader)
    assert m.code == "public_criticism"
    return m


def appealed(m=None, filed_on=date(2026, 3, 6)):
    m = m or criticism()
    return file_appeal(m, appellant=m.person_id, notified_on=NOTIFIED, filed_on=filed_on,
                       reason="投诉人所述与事实不符", rulebook=DEFAULT_BOOK, working_days_between=weekdays_between)


def ruled(m, ruling, reduced_to=None):
    return rule_on_appeal(m, ruling=ruling, ruled_on=date(2026, 3, 20), reason="复核结论",
                          rulebook=DEFAULT_BOOK, reduced_to=reduced_to)


def unit_score(measures):
    [s] = score_units(measures, DEFAULT_BOOK)
    return s.score, s.confirmed_score, s.provisional


@pytest.mark.parametrize("ruling,reduced_to,status,code,score", [
    (AppealRuling.UPHELD, None, MeasureStatus.IN_FORCE, "public_criticism", 80),
    (AppealRuling.REDUCED, "admonition", MeasureStatus.IN_FORCE, "admonition", 97),
    (AppealRuling.REVOKED, None, MeasureStatus.REVOKED, "public_criticism", 100),
])
def test_appeal_freezes_then_ruling_settles_the_score(ruling, reduced_to, status, code, score):
    assert unit_score([criticism()]) == (80, 80, False)
    frozen = appealed()
    assert frozen.status is MeasureStatus.FROZEN
    assert unit_score([frozen]) == (80, 100, True)  # deduction shown, but provisional
    final = ruled(frozen, ruling, reduced_to)
    assert (final.status, final.code) == (status, code)
    assert unit_score([final]) == (score, score, False)
    assert final.appeal.original_measure == "public_criticism"
    assert final.in_bulletin == (code == "public_criticism")


def test_appeal_on_the_last_day_of_the_window_is_accepted():
    assert appealed(filed_on=date(2026, 3, 9)).status is MeasureStatus.FROZEN  # 5th working day


APPEAL_ERRORS = [
    ("after window", lambda: appealed(filed_on=date(2026, 3, 10)),
     "appeal filed 6 working days after notification on 2026-03-02; the window is 5 working days"),
    ("twice", lambda: appealed(appealed()), "already appealed on 2026-03-06"),
    ("ruling without appeal", lambda: ruled(criticism(), AppealRuling.UPHELD), "has no appeal to rule on"),
    ("ruling twice", lambda: ruled(ruled(appealed(), AppealRuling.UPHELD), AppealRuling.REVOKED), "already ruled upheld"),
    ("reduced to a heavier rung", lambda: ruled(appealed(), AppealRuling.REDUCED, "warning"), "is not below"),
    ("reduced without target", lambda: ruled(appealed(), AppealRuling.REDUCED), "must name the lower measure"),
    ("reduced to unknown", lambda: ruled(appealed(), AppealRuling.REDUCED, "pat_on_back"), "is not a measure"),
    ("target on revoke", lambda: ruled(appealed(), AppealRuling.REVOKED, "reminder"), "only meaningful for a reduced"),
    ("someone else appeals", lambda: file_appeal(
        criticism(), appellant="P-other", notified_on=NOTIFIED, filed_on=NOTIFIED, reason="x",
        rulebook=DEFAULT_BOOK, working_days_between=weekdays_between), "may appeal it"),
    ("before notification", lambda: appealed(filed_on=date(2026, 3, 1)), "before the measure was notified"),
]


@pytest.mark.parametrize("label,action,message", APPEAL_ERRORS, ids=[e[0] for e in APPEAL_ERRORS])
def test_appeal_errors(label, action, message):
    with pytest.raises(AppealError, match=message):
        action()


@pytest.mark.parametrize("settle,counts", [
    (lambda m: m, False),  # frozen
    (lambda m: ruled(m, AppealRuling.REVOKED), False),
    (lambda m: ruled(m, AppealRuling.UPHELD), True),
    (lambda m: ruled(m, AppealRuling.REDUCED, "reminder"), True),
])
def test_frozen_or_revoked_measures_do_not_count_for_escalation(settle, counts):
    f1, f2 = fault("p1", on=date(2026, 1, 5)), fault("p2", on=date(2026, 1, 6))
    [m2] = decide(f2, [f1], DEFAULT_BOOK, no_leader)
    m2 = settle(file_appeal(m2, appellant=m2.person_id, notified_on=date(2026, 1, 6), filed_on=date(2026, 1, 7),
                            reason="不可归责", rulebook=DEFAULT_BOOK, working_days_between=weekdays_between))
    [m3] = decide(fault("x", on=date(2026, 3, 2)), [f1, f2, m2], DEFAULT_BOOK, no_leader)
    assert m3.code == ("admonition" if counts else "supervision")


def test_unit_is_charged_once_per_fault_with_its_heaviest_measure():
    f = fault(1, on=date(2026, 3, 2), severity=Severity.SERIOUS, handler="H", reviewer="R", approver="A")
    measures = decide(f, [], DEFAULT_BOOK, no_leader)
    assert len(measures) == 3
    [s] = score_units(measures, DEFAULT_BOOK)
    assert (s.score, [d.code for d in s.deductions]) == (97, ["admonition"])


def test_rankings_per_quarter_with_deterministic_ties_and_floor():
    measures = [m for i, day in enumerate([date(2026, 1, 5), date(2026, 4, 6)])
                for m in decide(fault(f"u2-{i}", on=day, unit="U2", kind="complaint_substantiated",
                                      category="吃拿卡要", severity=Severity.GRAVE), [], DEFAULT_BOOK, no_leader)]
    measures += decide(fault("u3", on=date(2026, 1, 9), unit="U3", kind="late_completion"), [], DEFAULT_BOOK, no_leader)
    scores = score_units(measures, DEFAULT_BOOK, units=["U1", "U4"])
    table = [(s.period, s.rank, s.unit_id, s.score) for s in scores]
    assert table == [
        ("2026-Q1", 1, "U1", 100), ("2026-Q1", 2, "U4", 100), ("2026-Q1", 3, "U3", 97), ("2026-Q1", 4, "U2", 30),
        ("2026-Q2", 1, "U1", 100), ("2026-Q2", 2, "U3", 100), ("2026-Q2", 3, "U4", 100), ("2026-Q2", 4, "U2", 30),
    ]
    raw = DEFAULT_BOOK.model_dump(exclude={"ladder"})
    raw.update(scoring_period="year")
    yearly = score_units(measures, build_rulebook(raw))
    assert [(s.period, s.unit_id, s.score) for s in yearly] == [("2026", "U3", 97), ("2026", "U2", 0)]
