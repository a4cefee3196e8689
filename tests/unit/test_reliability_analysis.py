"""The reliability suite's analysis finds what it claims to find: each check is fed a run with
one planted anomaly (and the same run without it), so a clean report means something."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from deploy.demo.scenario import Fact
from services.deadlines.codec import card_event_id
from shared.envelope import Envelope
from tests.reliability.analysis_downstream import card_action, judge_firing
from tests.reliability.analysis_flow import (RunData, check_emitted_once, check_refusals,
                                             scenario_conflicts)
from tests.reliability.observe import Rec
from tests.reliability.report import Tally

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def run(records: dict[str, list[Rec]] | None = None, facts: list[Fact] = (),
        refusals: dict[str, str] | None = None) -> RunData:
    recs = {"xn.dead-letter": [], **(records or {})}
    return RunData(None, {f.external_id: f for f in facts}, {f.external_id: "http" for f in facts},
                   {}, refusals or {}, recs, [], "postgresql://unused")


def found(tally: Tally) -> dict[str, dict[str, int]]:
    """The tally's anomaly counts by class and check, classes without any left out."""
    return {c: checks for c, checks in tally.summary()["by_check"].items() if checks}


def rec(offset: int, event_id: str, row: str) -> Rec:
    return Rec("xn.deadlines", 0, offset, b"k", b"{}", 0,
               (("event_id", event_id.encode()), ("outbox_row", row.encode())))


def test_one_row_sent_twice_is_a_redelivery_two_rows_are_a_double_emission() -> None:
    redelivered = Tally()
    check_emitted_once(run({"xn.deadlines": [rec(0, "e1", "deadlines/7"),
                                             rec(1, "e1", "deadlines/7")]}), redelivered)
    assert found(redelivered) == {}
    doubled = Tally()
    check_emitted_once(run({"xn.deadlines": [rec(0, "e1", "deadlines/7"),
                                             rec(1, "e1", "deadlines/9")]}), doubled)
    assert found(doubled) == {"duplicated": {"emitted_twice.xn.deadlines": 1}}


def fact(n: int, type_: str, **data) -> Fact:
    return Fact(NOW + timedelta(minutes=n), n, type_, data, "kafka", f"f-{n}")


def test_refusals_must_be_exactly_the_facts_that_contradict_earlier_ones() -> None:
    facts = [fact(0, "matter.accepted", matter_id="M1"), fact(1, "matter.completed", matter_id="M1"),
             fact(2, "matter.supplement_requested", matter_id="M1"),
             fact(3, "matter.accepted", matter_id="M2"), fact(4, "matter.accepted", matter_id="M2")]
    assert scenario_conflicts(facts) == {"f-2": "M1 already completed", "f-4": "M2 created again"}
    right = Tally()
    check_refusals(run(facts=facts, refusals={"f-2": "409 …", "f-4": "409 …"}), right)
    assert found(right) == {}
    wrong = Tally()  # a valid fact refused, a contradicting one taken
    check_refusals(run(facts=facts, refusals={"f-1": "409 …", "f-4": "409 …"}), wrong)
    assert found(wrong) == {"lost": {"intake.valid_fact_refused": 1},
                            "unexpected": {"intake.conflicting_fact_taken": 1}}


def card(did: str, round_: int, action: str, event_id: uuid.UUID | None = None) -> Envelope:
    missed = action == "overdue"
    payload = {"deadline": {"deadline_id": did}}
    if not missed:
        payload["warning"] = {"pct75": "75%", "wd1": "1wd"}[action]
    return Envelope(event_id=event_id or card_event_id(did, round_, action),
                    event_type="deadline.missed" if missed else "deadline.warned",
                    schema_version=1, occurred_at=NOW, producer="deadlines",
                    correlation_id=uuid.uuid4(), key=did, payload=payload)


def row(did: str, *, round_: int = 0, status: str = "open", fired=(), due_in_h: float = 48,
        warnings: dict[str, float] | None = None) -> dict:
    return {"deadline_id": did, "round": round_, "status": status,
            "due_at": NOW + timedelta(hours=due_in_h), "fired": json.dumps(list(fired)),
            "warnings": json.dumps([{"id": w, "at": (NOW + timedelta(hours=h)).isoformat()}
                                    for w, h in (warnings or {}).items()])}


def judged(rows: list[dict], cards: list[Envelope]) -> dict:
    tally = Tally()
    judge_firing(rows, cards, NOW, tally)
    return found(tally)


def test_firing_is_judged_against_each_deadline_row() -> None:
    assert card_action(card("d", 0, "pct75")) == "pct75"
    assert card_action(card("d", 0, "wd1")) == "wd1"
    assert card_action(card("d", 0, "overdue")) == "overdue"
    rows = [row("a", round_=1, status="met", fired=["pct75", "overdue"], due_in_h=-5,
                warnings={"pct75": -20}),
            row("b", warnings={"pct75": 24})]
    cards = [card("a", 1, "pct75"), card("a", 1, "overdue"), card("a", 0, "pct75")]
    assert judged(rows, cards) == {}  # a's round 0 card stays valid after its reopening
    assert judged(rows, cards[1:]) == {"lost": {"deadlines.card_published": 1}}
    assert judged(rows, [*cards, card("b", 0, "pct75")]) == {
        "unexpected": {"deadlines.card_not_fired_by_row": 1}}
    assert judged(rows, [*cards, card("a", 1, "wd1", uuid.uuid4())]) == {
        "unexpected": {"deadlines.card_id": 1}}
    assert judged(rows, [*cards, card("c", 0, "pct75")]) == {
        "unexpected": {"deadlines.card_without_row": 1}}


def test_a_timer_that_never_went_off_is_lost() -> None:
    assert judged([row("w", warnings={"pct75": -2})], []) == {
        "lost": {"deadlines.warning_never_fired": 1}}
    assert judged([row("r", due_in_h=-2, warnings={"pct75": -20})], []) == {
        "lost": {"deadlines.timer_never_fired": 1}}
    # A lapsed window fires without a card; a warning due within the minute's slack may wait.
    assert judged([row("x", status="lapsed", fired=["overdue"], due_in_h=-2),
                   row("y", warnings={"pct75": -0.01})], []) == {}
