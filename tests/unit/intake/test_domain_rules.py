"""intake's business rules without Kafka or PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from services.intake import catalogue, examples
from services.intake.auth import AuthError, check_signature, hash_key, key_id_of, new_key, sign
from services.intake.contract import cases as ca
from services.intake.contract import complaints as co
from services.intake.domain import complaints, matters
from services.intake.domain.errors import Conflict, InputError
from services.intake.domain.roster import Appointment, holders, is_leadership
from services.intake.importing import roster_items
from shared.events.vocab import COUNTY_OFFICE, Role

T = datetime(2026, 5, 11, 1, 30, tzinfo=timezone.utc)


def accepted() -> matters.Matter:
    m, _ = matters.accept(None, ca.MatterAcceptedIn.model_validate(
        examples.example("matter.accepted")))
    return m


def test_second_supplement_request_is_a_one_time_notice_breach():
    m = accepted()
    req = ca.SupplementIn(matter_id=m.matter_id, requested_at=T, missing_documents=["a"])
    m, first = matters.request_supplement(m, req, "ev-1")
    assert [e.event_type for e in first] == ["matter.supplement_requested"]
    m, second = matters.request_supplement(m, req, "ev-2")
    assert [e.event_type for e in second] == ["matter.supplement_requested",
                                              "matter.one_time_notice_breached"]
    assert second[1].first_request_event_id == "ev-1" and second[1].request_number == 2


def test_matter_lifecycle_guards():
    m = accepted()
    with pytest.raises(Conflict):
        matters.resume(m, ca.MatterResumedIn(matter_id=m.matter_id, resumed_at=T))
    with pytest.raises(InputError, match="before the matter was accepted"):
        matters.complete(m, ca.MatterCompletedIn(matter_id=m.matter_id,
                                                 completed_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    done, _ = matters.complete(m, ca.MatterCompletedIn(matter_id=m.matter_id, completed_at=T))
    with pytest.raises(Conflict, match="already completed"):
        matters.complete(done, ca.MatterCompletedIn(matter_id=m.matter_id, completed_at=T))


def test_routing_graded_responsibility():
    assert complaints.route(True, "ZJJ", None) == COUNTY_OFFICE
    assert complaints.route(False, "ZJJ", None) == "ZJJ"
    assert complaints.route(False, "CGZ", "ZJJ") == "ZJJ"


def test_returns_count_hops_and_unsatisfied_reopens():
    L = datetime(2026, 5, 20, 2, 0, tzinfo=timezone.utc)
    filed = co.ComplaintFiledIn.model_validate(examples.example("complaint.filed"))
    x, _ = complaints.file(None, filed, False)
    for hop in (1, 2):
        x, (ret,) = complaints.return_(x, co.ComplaintReturnedIn(
            complaint_id=x.complaint_id, returned_at=L, reason="不属本单位"))
        assert ret.hop == hop
        x, _ = complaints.redispatch(x, co.ComplaintRedispatchedIn(
            complaint_id=x.complaint_id, to_unit_id="CGZ", dispatched_at=L))
    x, _ = complaints.accept(x, co.ComplaintAcceptedIn(complaint_id=x.complaint_id, accepted_at=L))
    x, _ = complaints.conclude(x, co.ComplaintConcludedIn(
        complaint_id=x.complaint_id, concluded_at=L, substantiated=False, findings="不属实"))
    x, events = complaints.rate(x, co.ComplaintRatedIn(complaint_id=x.complaint_id,
                                                      rating="unsatisfied", rated_at=L))
    assert [e.event_type for e in events] == ["complaint.rated", "complaint.reopened"]
    assert events[1].handling_unit_id == "CGZ" and x.status == "reopened"
    x, _ = complaints.conclude(x, co.ComplaintConcludedIn(
        complaint_id=x.complaint_id, concluded_at=L, substantiated=True, findings="属实"))


def test_who_led_on_a_date():
    appts = [Appointment("a", "U", Role.leader, date(2024, 1, 1), date(2026, 5, 31)),
             Appointment("b", "U", Role.leader, date(2026, 6, 1)),
             Appointment("c", "U", Role.deputy, date(2025, 1, 1))]
    assert holders(appts, "U", Role.leader, date(2026, 5, 31)) == ["a"]
    assert holders(appts, "U", Role.leader, date(2026, 6, 1)) == ["b"]
    assert is_leadership(appts, "c", "U", date(2026, 1, 1))
    assert not is_leadership(appts, "a", "U", date(2026, 6, 1))


def test_signatures():
    _, key = new_key()
    body = b'{"a": 1}'
    now = datetime.fromtimestamp(1_780_000_000, timezone.utc)
    check_signature(hash_key(key), "1780000000", sign(key, 1_780_000_000, "/p", body), "/p", body, now)
    with pytest.raises(AuthError, match="does not match"):
        check_signature(hash_key(key), "1780000000", sign(key, 1_780_000_000, "/p", b"{}"), "/p",
                        body, now)
    with pytest.raises(AuthError, match="stale"):
        check_signature(hash_key(key), "1779999000", sign(key, 1_779_999_000, "/p", body), "/p",
                        body, now)
    with pytest.raises(AuthError, match="malformed"):
        key_id_of("abc")


def test_people_csv_gives_people_then_roles(tmp_path: Path):
    p = tmp_path / "people.csv"
    p.write_text("person_id,name,unit_id,role,effective_from\n"
                 "p1,张三,JYJ,leader,2024-01-01\np1,张三,JYJ,liaison,2026-05-01\n", "utf-8")
    assert [t for t, _, _ in roster_items(p)] == ["person.registered", "person.appointed",
                                                   "person.appointed"]


def test_event_catalogue_is_up_to_date():
    emitted = asyncio.run(catalogue.run_scenario())
    assert {env.event_type for _, env in emitted} >= {
        "matter.one_time_notice_breached", "complaint.reopened", "fault.exemption_granted"}
    doc = Path(catalogue.DOCS / "events.md").read_text(encoding="utf-8")
    assert doc == catalogue.render(emitted), "run: uv run python -m services.intake.catalogue"


def test_asyncapi_document_is_up_to_date():
    for name, text in catalogue.asyncapi_texts().items():
        on_disk = Path(catalogue.DOCS / name).read_text(encoding="utf-8")
        assert on_disk == text, f"{name}: run uv run python -m services.intake.catalogue"
