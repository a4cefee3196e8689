"""Each fault source over the real broker and database → FaultRecorded + MeasureDecided, with
the source's correlation id; one lapse is one fault; bad input is dead-lettered with a reason."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.waiting import wait_for

from shared.events.cases import InspectionFindingRecorded, OneTimeNoticeBreached
from shared.events.complaints import ComplaintConcluded, ComplaintReturned
from shared.events.deadlines import DeadlineFacts, DeadlineMet, DeadlineMissed, Responsible
from tests.integration.accountability.conftest import T0
from tests.integration.accountability.harness import env

pytestmark = pytest.mark.integration
DAY = timedelta(days=1)


def deadline(kind: str, subject: str, unit: str = "JYJ", handler: str | None = "p-zhang",
             due: datetime = T0 + 2 * DAY) -> DeadlineFacts:
    return DeadlineFacts(deadline_id=f"{kind}:{subject}", kind=kind, subject_type="matter",
                         subject_id=subject, unit_id=unit,
                         responsible=Responsible(handler_id=handler, reviewer_id="p-li"),
                         due_at=due, allowed_working_days=5, calendar_version="cc-test",
                         provisional=False)


def missed(subject: str, **kw):
    d = deadline("matter", subject, **kw)
    return env(DeadlineMissed(deadline=d, missed_at=d.due_at + timedelta(seconds=1)), d.deadline_id, d.due_at)


async def measures_for(svc, source: str) -> list:
    return await svc.query("SELECT m.code, m.person_id, m.status FROM {s}.measures m JOIN {s}.faults f "
                           "USING (fault_id) WHERE f.subject_id = :s ORDER BY m.person_id", s=source)


async def test_every_source_becomes_a_fault_and_a_measure(svc):
    t = svc.topics
    sources = [
        (t.deadlines, missed("M-1")),
        (t.deadlines, env(DeadlineMet(deadline=deadline("matter", "M-2"), met_at=T0 + 9 * DAY,
                                      late=True, lateness_working_days=3), "matter:M-2", T0 + 9 * DAY)),
        (t.matters, env(OneTimeNoticeBreached(matter_id="M-3", unit_id="JYJ", handler_id="p-zhang",
                                              request_number=2, requested_at=T0 + DAY,
                                              first_request_event_id="evt-first"), "M-3", T0 + DAY)),
        (t.complaints, env(ComplaintConcluded(
            complaint_id="C-1", handling_unit_id="JYJ", target_unit_id="GTJ", concluded_at=T0 + DAY,
            substantiated=True, findings="门难进", responsible_person_id="p-wang",
            category="four_difficulties"), "C-1", T0 + DAY)),
        (t.complaints, env(ComplaintReturned(  # dispatched Monday, returned Thursday: 3 wd
            complaint_id="C-2", by_unit_id="GTJ", returned_at=T0 + 3 * DAY, dispatched_at=T0,
            reason="非本单位职责", hop=1), "C-2", T0 + 3 * DAY)),
        (t.inspections, env(InspectionFindingRecorded(
            finding_id="F-1", unit_id="WJJ", person_id="p-zhao", area="work_style", issue="gaming_at_work",
            severity="serious", inspected_at=T0 + DAY, evidence=["photo-1"]), "F-1", T0 + DAY)),
    ]
    for topic, e in sources:
        await svc.publish(topic, e)
    # Arrival order across topics is the broker's: a later-dated fault may be decided first
    # and revised when the earlier one arrives. Wait for the final state: 7 distinct measures.
    decided = await svc.wait_events(t.accountability, "measure.decided", 7)
    await wait_for(lambda: _live_measures(svc, 7), what="seven measures in force")
    decided = await svc.events(t.accountability, "measure.decided")
    assert len({m.payload["measure_id"] for m in decided}) == 7
    faults = await svc.wait_events(t.accountability, "fault.recorded", 6)
    assert {f.payload["severity"] for f in faults} == {"一般", "严重"}
    assert sorted(f.payload["kind"] for f in faults) == sorted([
        "deadline_missed", "late_completion", "repeat_supplement_request",
        "complaint_substantiated", "return_out_of_window", "inspection_finding"])
    # the rule book's answers (R10, R11, R13, R06, R15, R07): see rulebooks/default.yaml
    assert await measures_for(svc, "M-1") == [("supervision", "p-zhang", "in_force")]
    # M-2 is JYJ's third fault (canonical order: M-3 on day 1, M-1 day 2, M-2 day 9): 从重 one
    # rung up, and 一岗双责 for the leader in post that day
    assert await measures_for(svc, "M-2") == [("admonition", "p-old-leader", "in_force"),
                                              ("supervision", "p-zhang", "in_force")]
    assert await measures_for(svc, "M-3") == [("reminder", "p-zhang", "in_force")]
    assert await measures_for(svc, "C-1") == [("admonition", "p-wang", "in_force")]
    assert await measures_for(svc, "C-2") == [("reminder", "p-gtj-liaison", "in_force")]
    assert await measures_for(svc, "F-1") == [("public_criticism", "p-zhao", "in_force")]
    # one grep from the source case to its measure: correlation flows, causation points back
    by_source = {e.event_id: e for _, e in sources}
    for m in decided:
        src = by_source[m.causation_id]
        assert m.correlation_id == src.correlation_id
        assert m.occurred_at == src.occurred_at  # business time, never the wall clock
    # 督办 → the deadlines service is asked for a rectification clock
    reqs = await svc.wait_events(t.deadline_requests, "deadline.requested", 2)
    assert {r.payload["kind"] for r in reqs} == {"rectification"}
    assert {r.payload["working_days"] for r in reqs} == {10}
    assert {r.payload["subject_id"] for r in reqs} == {
        m.payload["measure_id"] for m in decided if m.payload["measure"] == "supervision"}
    scores = await svc.wait_events(t.accountability, "score.changed", 2)
    assert {s.payload["unit_id"] for s in scores} >= {"JYJ", "GTJ"}
    final = await svc.query("SELECT unit_id, score FROM {s}.scores ORDER BY unit_id")
    # a fault costs its heaviest measure: JYJ 3+3+3(supervision beats leader's admonition, tie
    # on points), GTJ 3+3, WJJ 20
    assert final == [("GTJ", 94), ("JYJ", 91), ("WJJ", 80)]


async def _live_measures(svc, n):
    rows = await svc.query("SELECT count(*) FROM {s}.measures WHERE NOT superseded")
    return rows[0][0] >= n and len(await svc.query("SELECT * FROM {s}.faults")) >= 6


async def test_returned_within_one_working_day_is_no_fault(svc):
    ok = env(ComplaintReturned(complaint_id="C-9", by_unit_id="GTJ", returned_at=T0 + DAY,
                               dispatched_at=T0, reason="错派", hop=1), "C-9", T0 + DAY)
    before = await svc.processed()
    await svc.publish(svc.topics.complaints, ok)
    await wait_for(lambda: _processed_at_least(svc, before + 1), what="return handled")
    assert await svc.query("SELECT * FROM {s}.faults") == []


async def _processed_at_least(svc, n):
    return await svc.processed() >= n


async def test_missed_then_met_late_is_one_fault_and_duplicates_are_one_measure(svc):
    red = missed("M-7")
    late = env(DeadlineMet(deadline=deadline("matter", "M-7"), met_at=T0 + 8 * DAY, late=True,
                           lateness_working_days=4), "matter:M-7", T0 + 8 * DAY)
    before = await svc.processed()
    await svc.publish(svc.topics.deadlines, red, red, late, red)  # redelivered, then completed late
    await wait_for(lambda: _processed_at_least(svc, before + 2), what="both events handled")
    assert len(await svc.query("SELECT * FROM {s}.faults")) == 1
    assert len(await svc.query("SELECT * FROM {s}.measures")) == 1
    assert len(await svc.events(svc.topics.accountability, "measure.decided")) == 1


async def test_unknown_unit_and_person_are_dead_lettered_with_the_reason(svc):
    await svc.publish(svc.topics.deadlines, missed("M-8", unit="NOPE"), missed("M-9", handler="p-ghost"))
    letters = await wait_for(lambda: _letters(svc, 2), what="two dead letters")
    why = {d["error_type"]: d["error"] for d in letters}  # two keys, two partitions: any order
    assert "unknown unit 'NOPE': not registered on the roster" in why["unknown_unit"]
    assert "unknown person(s) 'p-ghost'" in why["unknown_person"]
    assert {d["original_topic"] for d in letters} == {svc.topics.deadlines}
    assert await svc.query("SELECT * FROM {s}.faults") == []


async def _letters(svc, n):
    found = await svc.dead_letters()
    return found if len(found) >= n else None
