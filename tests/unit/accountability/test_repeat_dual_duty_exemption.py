"""从重 within the repeat window, 一岗双责 with the leader in post on the fault date, 免责."""

from datetime import date

import pytest

from services.accountability.domain import (
    Exemption, ExemptionReason, FaultKind, build_rulebook, decide,
)

from .builders import DEFAULT_BOOK, fault, no_leader, roster

# deadline_missed/一般 → supervision; one rung up is admonition.
REPEAT_CASES = [
    ("1st fault", [], "supervision", False),
    ("2nd fault", [date(2026, 1, 5)], "supervision", False),
    ("3rd within 12 months", [date(2025, 4, 1), date(2026, 1, 5)], "admonition", True),
    ("one prior 13 months back", [date(2025, 2, 2), date(2026, 1, 5)], "supervision", False),
    ("exactly 12 months back is out", [date(2025, 3, 2), date(2026, 1, 5)], "supervision", False),
    ("one day inside 12 months", [date(2025, 3, 3), date(2026, 1, 5)], "admonition", True),
    ("5th → two rungs", [date(2026, 1, d) for d in (5, 6, 7, 8)], "public_criticism", True),
]


@pytest.mark.parametrize("label,prior_dates,expected,aggravated", REPEAT_CASES, ids=[c[0] for c in REPEAT_CASES])
def test_repeat_window(label, prior_dates, expected, aggravated):
    history = [fault(f"p{i}", on=d) for i, d in enumerate(prior_dates)]
    [m] = [m for m in decide(fault("x", on=date(2026, 3, 2)), history, DEFAULT_BOOK, no_leader) if m.role == "handler"]
    assert (m.code, m.explanation.aggravated) == (expected, aggravated)
    if aggravated:
        assert m.explanation.base_measure == "supervision"
        assert "从重" in m.explanation.aggravation_reason
        assert {r.fault_id for r in m.explanation.counted_faults} <= {f.id for f in history}


def test_other_units_and_later_faults_do_not_count():
    history = [fault("other1", on=date(2026, 1, 5), unit="U2"), fault("other2", on=date(2026, 1, 6), unit="U2"),
               fault("mine", on=date(2026, 1, 7)), fault("later", on=date(2026, 4, 1))]
    [m] = decide(fault("x", on=date(2026, 3, 2)), history, DEFAULT_BOOK, no_leader)
    assert m.code == "supervision"


def test_same_day_faults_are_ordered_by_fault_id():
    same_day = [fault(n, on=date(2026, 3, 2)) for n in ("a", "b", "c")]
    by_id = sorted(same_day, key=lambda f: str(f.id))
    codes = {f.id: decide(f, same_day, DEFAULT_BOOK, no_leader)[0].code for f in same_day}
    assert [codes[f.id] for f in by_id] == ["supervision", "supervision", "admonition"]


def test_person_scope_counts_the_persons_faults_across_units():
    raw = DEFAULT_BOOK.model_dump(exclude={"ladder"})
    raw["repeat"]["scope"] = "person"
    book = build_rulebook(raw)
    history = [fault("p1", on=date(2026, 1, 5), unit="U2", handler="P9"),
               fault("p2", on=date(2026, 1, 6), unit="U3", reviewer="P9", handler="other")]
    [m] = decide(fault("x", on=date(2026, 3, 2), handler="P9"), history, book, no_leader)
    assert m.code == "admonition" and "P9 本人" in m.explanation.aggravation_reason


LEADERS = roster({"U1": [(date(2025, 1, 1), date(2026, 6, 30), "L-old"), (date(2026, 7, 1), None, "L-new")]})


@pytest.mark.parametrize("third_on,leader", [(date(2026, 6, 30), "L-old"), (date(2026, 7, 1), "L-new")])
def test_dual_duty_names_the_leader_in_post_on_the_fault_date(third_on, leader):
    history = [fault("p1", on=date(2026, 2, 1)), fault("p2", on=date(2026, 5, 1))]
    got = decide(fault("x", on=third_on), history, DEFAULT_BOOK, LEADERS)
    [lm] = [m for m in got if m.role == "leader"]
    assert (lm.person_id, lm.code, lm.share) == (leader, "admonition", "leadership")
    assert lm.explanation.rule_id == "dual_duty/3"
    assert third_on.isoformat() in lm.explanation.liability.reason
    assert len(lm.explanation.counted_faults) == 2


def test_dual_duty_applies_at_the_tier_not_at_every_later_fault():
    history = [fault(f"p{i}", on=date(2026, 1, 5 + i)) for i in range(3)]  # 4th fault now
    got = decide(fault("x", on=date(2026, 3, 2)), history, DEFAULT_BOOK, LEADERS)
    assert [m.role for m in got] == ["handler"]
    history.append(fault("p3", on=date(2026, 1, 20)))  # 5th fault → second tier
    got = decide(fault("x", on=date(2026, 3, 2)), history, DEFAULT_BOOK, LEADERS)
    assert [(m.role, m.code) for m in got][-1] == ("leader", "public_criticism")


def test_dual_duty_without_a_leader_on_the_roster_is_noted():
    history = [fault("p1", on=date(2026, 2, 1)), fault("p2", on=date(2026, 2, 2))]
    [m] = decide(fault("x", on=date(2026, 3, 2)), history, DEFAULT_BOOK, no_leader)
    assert any("无在任主要负责人" in n for n in m.explanation.notes)


@pytest.mark.parametrize("reason", list(ExemptionReason))
def test_exempt_fault_produces_no_measure_and_does_not_count(reason):
    exemption = Exemption(reason=reason, note="经县效能办核实")
    exempt = [fault(f"e{i}", on=date(2026, 1, 5 + i), exemption=exemption) for i in range(2)]
    assert decide(exempt[0], [], DEFAULT_BOOK, LEADERS) == []
    got = decide(fault("x", on=date(2026, 3, 2)), exempt, DEFAULT_BOOK, LEADERS)
    assert [(m.role, m.code) for m in got] == [("handler", "supervision")]


def test_fault_id_is_derived_from_evidence_and_handler_is_required():
    a, b = fault(1, on=date(2026, 3, 2)), fault(1, on=date(2026, 3, 2))
    assert a.id == b.id and a.evidence == ("evt-1",)
    assert fault(1, on=date(2026, 3, 2), kind=FaultKind.LATE_COMPLETION).id != a.id
    with pytest.raises(ValueError, match="handler"):
        type(a)(**{**a.model_dump(), "responsible": {"reviewer": "R"}})
    with pytest.raises(ValueError):
        Exemption(reason=ExemptionReason.FORCE_MAJEURE, note="")
