"""督办整改 end to end over the real broker and database: accountability records a confirmed
rectification and closes the 督办's clock (deadline.fulfilled), refuses reports that do not fit,
withdraws the clock of a 督办 revoked, reduced, escalated or no longer decided, and orders it
again (a new round of the clock) when a later revision makes it a 督办 again. The deadlines
service runs beside it and is fed what accountability asks of it, as the topic would in
production."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from shared.envelope import Envelope
from shared.events.cases import InspectionFindingRecorded
from shared.events.office import (
    AppealDecided, AppealLodged, ExemptionGranted, RectificationCompleted,
)
from tests.integration.accountability.conftest import T0
from tests.integration.accountability.harness import env
from tests.integration.accountability.test_appeals_and_cli import _letters, finding
from tests.integration.deadlines.harness import start as start_deadlines
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
DAY = timedelta(days=1)
AFTER_DUE = T0 + 30 * DAY  # the 督办 of T0 + 1 day is due 10 working days later


@pytest.fixture
async def dl(infra):
    h, stop = await start_deadlines(infra, T0 + DAY)
    yield h
    await stop()


def report(mid: str, *, unit: str = "WJJ", at=T0 + 8 * DAY) -> Envelope:
    return env(RectificationCompleted(
        measure_id=mid, unit_id=unit, rectified_at=at, report="已整改：建立岗位替岗登记制度",
        evidence=["WJJ-zg-01"], confirmed_by="县效能办"), mid, at, unit_id=unit)


async def supervision(svc, n: int) -> tuple[str, Envelope]:
    """A general finding: a 督办 with a rectification period; its id and its deadline.requested."""
    found = finding(n, "general")
    await svc.publish(svc.topics.inspections, found)
    [m] = await svc.wait_events(svc.topics.accountability, "measure.decided", 1,
                                where=lambda e: e.causation_id == found.event_id)
    assert m.payload["measure"] == "supervision" and m.payload["rectification_working_days"] == 10
    mid = m.payload["measure_id"]
    [req] = await svc.wait_events(svc.topics.deadline_requests, "deadline.requested", 1,
                                  where=lambda e: e.payload["subject_id"] == mid)
    return mid, req


async def requests(svc, event_type: str, mid: str) -> list[Envelope]:
    return [e for e in await svc.events(svc.topics.deadline_requests, event_type)
            if e.payload["subject_id"] == mid]


async def forward(svc, dl, *envs: Envelope) -> None:
    await svc.publish(dl.topics.deadline_requests, *envs)


async def rectified(svc) -> list:
    return await svc.query("SELECT measure_id, unit_id, rectified_at, report, evidence, "
                           "confirmed_by FROM {s}.rectifications")


async def test_rectification_closes_the_clock_once_and_no_red_card_follows(svc, dl):
    mid, req = await supervision(svc, 1)
    await forward(svc, dl, req)
    did = f"rectification:{mid}"
    await dl.wait_events("deadline.scheduled", 1, deadline_id=did)

    first = report(mid)
    await svc.publish(svc.topics.office, first)
    [done] = await svc.wait_events(svc.topics.deadline_requests, "deadline.fulfilled", 1)
    fulfilled = done.parsed()
    assert (fulfilled.kind, fulfilled.subject_id, fulfilled.unit_id, fulfilled.fulfilled_at) == (
        "rectification", mid, "WJJ", T0 + 8 * DAY)
    assert done.key == mid and done.causation_id == first.event_id
    [row] = await rectified(svc)
    assert (str(row.measure_id), row.unit_id, row.rectified_at) == (mid, "WJJ", T0 + 8 * DAY)
    assert row.evidence == ["WJJ-zg-01"] and row.confirmed_by == "县效能办"

    # The report redelivered, then the same report again under a new event id (entered twice):
    # the first is dropped by the inbox, the second refused; the marker shows both were handled.
    await svc.publish(svc.topics.office, first, report(mid))
    [letter] = await wait_for(lambda: _letters(svc, 1), what="the second report refused")
    assert letter["error_type"] == "already_rectified"
    assert f"was already reported rectified on {(T0 + 8 * DAY).isoformat()}" in letter["error"]
    assert len(await requests(svc, "deadline.fulfilled", mid)) == 1
    assert len(await rectified(svc)) == 1

    await forward(svc, dl, done)
    [met] = await dl.wait_events("deadline.met", 1, deadline_id=did)
    assert met.payload["late"] is False
    dl.clock.set(AFTER_DUE)
    await dl.settle()
    assert not [e for e in await dl.events("deadline.missed")
                if e.payload["deadline"]["deadline_id"] == did]
    assert (await dl.row(did))["status"] == "met"


async def test_a_late_rectification_is_recorded_and_closes_the_red_carded_clock(svc, dl):
    mid, req = await supervision(svc, 2)
    await forward(svc, dl, req)
    did = f"rectification:{mid}"
    dl.clock.set(AFTER_DUE)
    await dl.wait_events("deadline.missed", 1, deadline_id=did)
    await svc.publish(svc.topics.office, report(mid, at=T0 + 20 * DAY))
    [done] = await svc.wait_events(svc.topics.deadline_requests, "deadline.fulfilled", 1)
    await forward(svc, dl, done)
    [met] = await dl.wait_events("deadline.met", 1, deadline_id=did)
    assert met.payload["late"] is True and met.payload["lateness_working_days"] > 0
    assert len(await rectified(svc)) == 1


async def test_reports_that_do_not_fit_are_refused_and_change_nothing(svc):
    mid, _ = await supervision(svc, 3)
    ghost = str(uuid.uuid4())
    await svc.publish(svc.topics.office, report(ghost), report(mid, unit="GTJ"),
                      report(mid, at=T0))
    letters = await wait_for(lambda: _letters(svc, 3), what="three refusals")
    why = {d["error_type"]: d["error"] for d in letters}
    assert why.keys() == {"unknown_measure", "wrong_unit", "rectified_before_order"}
    assert f"unknown measure {ghost}" in why["unknown_measure"]
    assert "was ordered against unit 'WJJ', not 'GTJ'" in why["wrong_unit"]
    assert f"rectified_at {T0.isoformat()} is before measure {mid}" in why["rectified_before_order"]
    assert all(d["consumer"] == "accountability" for d in letters)
    assert await rectified(svc) == []
    assert await svc.events(svc.topics.deadline_requests, "deadline.fulfilled") == []


async def appeal(svc, mid: str, n: int, decision: str, reduced_to: str | None = None) -> None:
    at = T0 + 3 * DAY
    await svc.publish(svc.topics.office, env(AppealLodged(
        appeal_id=f"A-{n}", measure_id=mid, person_id="p-zhao", lodged_at=at,
        grounds="当日公出，有派车记录"), mid, at, unit_id="WJJ"), env(AppealDecided(
        appeal_id=f"A-{n}", measure_id=mid, decision=decision, reduced_to=reduced_to,
        decided_at=at + DAY, decided_by="county-office", reasoning="复核"), mid, at + DAY,
        unit_id="WJJ"))


async def test_a_revoked_or_reduced_supervision_withdraws_its_clock(svc, dl):
    revoked, req_r = await supervision(svc, 4)
    reduced, req_d = await supervision(svc, 5)
    await forward(svc, dl, req_r, req_d)
    await appeal(svc, revoked, 4, "revoked")
    await appeal(svc, reduced, 5, "reduced", "reminder")
    [w_r] = await svc.wait_events(svc.topics.deadline_requests, "deadline.withdrawn", 1,
                                  where=lambda e: e.payload["subject_id"] == revoked)
    [w_d] = await svc.wait_events(svc.topics.deadline_requests, "deadline.withdrawn", 1,
                                  where=lambda e: e.payload["subject_id"] == reduced)
    assert w_r.payload["reason"] == "the measure was revoked on appeal"
    assert "reduced to reminder (提醒)" in w_d.payload["reason"]
    assert w_r.payload["kind"] == "rectification" and w_r.payload["unit_id"] == "WJJ"

    await forward(svc, dl, w_r, w_d)
    for mid in (revoked, reduced):
        did = f"rectification:{mid}"

        async def withdrawn(did=did):
            row = await dl.row(did)
            return row is not None and row["status"] == "withdrawn"
        await wait_for(withdrawn, what=f"{did} withdrawn")
    dl.clock.set(AFTER_DUE)
    await dl.settle()
    assert await dl.events("deadline.missed") == []

    # A report on either is refused now, and says why.
    await svc.publish(svc.topics.office, report(revoked), report(reduced))
    letters = await wait_for(lambda: _letters(svc, 2), what="two refusals")
    assert {d["error_type"] for d in letters} == {"measure_revoked", "no_rectification_period"}
    assert await rectified(svc) == []


async def decided(svc, found: Envelope, measure: str) -> str:
    """Publish a finding; the id of the one measure it is decided (`measure`)."""
    await svc.publish(svc.topics.inspections, found)
    [m] = await svc.wait_events(svc.topics.accountability, "measure.decided", 1,
                                where=lambda e: e.causation_id == found.event_id)
    assert m.payload["measure"] == measure
    return m.payload["measure_id"]


async def revised(svc, mid: str, revision: int, exempted: str, at) -> Envelope:
    """Exempt the fault `exempted`: the unit is recounted and `mid` decided again."""
    await svc.publish(svc.topics.office, env(ExemptionGranted(
        subject_id=exempted, unit_id="WJJ", reason="force_majeure", note="台风停电",
        granted_at=at), exempted, at))
    [m] = await svc.wait_events(svc.topics.accountability, "measure.decided", 1, where=lambda e: (
        e.payload["measure_id"] == mid and e.payload["revision"] == revision))
    assert m.payload["measure"] == "supervision" and m.parsed().decided_at == at
    return m


async def test_a_report_dated_between_the_order_and_a_later_revision_closes_the_clock(svc, dl):
    # Two general findings, then a serious one: the third, 从重 (通报批评 → 诫勉谈话).
    await decided(svc, finding(7, "general", at=T0), "supervision")
    await decided(svc, finding(8, "general", at=T0 + DAY), "supervision")
    mid = await decided(svc, finding(9, "serious", at=T0 + 2 * DAY), "admonitory_talk")
    await appeal(svc, mid, 9, "reduced", "supervision")  # ruled T0 + 4 days: 督办 ordered
    [req] = await svc.wait_events(svc.topics.deadline_requests, "deadline.requested", 1,
                                  where=lambda e: e.payload["subject_id"] == mid)
    assert req.parsed().starts_at == T0 + 4 * DAY
    # F-7 exempted: F-9 is the second fault, no longer 从重; still reduced to a 督办, revised.
    m = await revised(svc, mid, 2, "F-7", T0 + 10 * DAY)
    assert m.payload["aggravated"] is False

    # Before the order (after the measure was first decided): refused; after it: accepted,
    # though dated before the revision. Same key, so in this order.
    await svc.publish(svc.topics.office, report(mid, at=T0 + 3 * DAY), report(mid, at=T0 + 6 * DAY))
    [done] = await svc.wait_events(svc.topics.deadline_requests, "deadline.fulfilled", 1,
                                   where=lambda e: e.payload["subject_id"] == mid)
    assert done.parsed().fulfilled_at == T0 + 6 * DAY
    [letter] = await wait_for(lambda: _letters(svc, 1), what="the early report refused")
    assert letter["error_type"] == "rectified_before_order"
    assert f"was ordered on {(T0 + 4 * DAY).isoformat()}" in letter["error"]
    assert [r.rectified_at for r in await rectified(svc)] == [T0 + 6 * DAY]

    # The deadlines service agrees: its clock started at the order, and the report closes it.
    await forward(svc, dl, req, done)
    [met] = await dl.wait_events("deadline.met", 1, deadline_id=f"rectification:{mid}")
    assert met.payload["late"] is False


async def escalated_away(svc, dl=None) -> tuple[str, Envelope, Envelope]:
    """A 督办 ordered (F-11, the unit's second finding), then withdrawn: F-12, inspected before
    both and recorded on T0 + 3 days, makes it the third, 从重 效能告诫 (no period). Its id,
    its request and its withdrawal; forwarded to deadlines when given `dl`."""
    await decided(svc, finding(10, "general", at=T0 + DAY), "supervision")
    mid = await decided(svc, finding(11, "general", at=T0 + 2 * DAY), "supervision")
    [req] = await svc.wait_events(svc.topics.deadline_requests, "deadline.requested", 1,
                                  where=lambda e: e.payload["subject_id"] == mid)
    if dl is not None:
        await forward(svc, dl, req)
        await dl.wait_events("deadline.scheduled", 1, deadline_id=f"rectification:{mid}")
    late = env(InspectionFindingRecorded(
        finding_id="F-12", unit_id="WJJ", person_id="p-zhao", area="work_style",
        issue="absent_from_post", severity="general", inspected_at=T0), "F-12", T0 + 3 * DAY)
    await svc.publish(svc.topics.inspections, late)
    [out] = await svc.wait_events(svc.topics.deadline_requests, "deadline.withdrawn", 1,
                                  where=lambda e: e.payload["subject_id"] == mid)
    assert out.payload["reason"] == ("the measure was escalated to admonition (效能告诫), "
                                     "which orders no rectification")
    return mid, req, out


async def test_a_supervision_withdrawn_and_ordered_again_runs_a_new_round(svc, dl):
    """Ordered, withdrawn, ordered again (F-12 exempted): the new order is a request of its own
    (a new event id), deadlines restarts the clock from it, and a report after it closes the
    new round. One dated before the new order is refused: the first order no longer runs."""
    mid, first, out = await escalated_away(svc, dl)
    did = f"rectification:{mid}"
    await forward(svc, dl, out)

    async def withdrawn():
        return (await dl.row(did))["status"] == "withdrawn"
    await wait_for(withdrawn, what=f"{did} withdrawn")

    await revised(svc, mid, 2, "F-12", T0 + 5 * DAY)
    [_, again] = await svc.wait_events(svc.topics.deadline_requests, "deadline.requested", 2,
                                       where=lambda e: e.payload["subject_id"] == mid)
    assert again.event_id != first.event_id and again.parsed().starts_at == T0 + 5 * DAY
    await forward(svc, dl, again)
    [_, scheduled] = await dl.wait_events("deadline.scheduled", 2, deadline_id=did)
    assert scheduled.parsed().clocks[0].starts_at == T0 + 5 * DAY
    assert (await dl.row(did))["round"] == 1
    # Past the first order's due date (18 March), before the new one's (20 March): no card.
    dl.clock.set(T0 + 17 * DAY)
    await dl.settle()
    assert await dl.events("deadline.missed") == []

    # Between the withdrawal and the new order: refused; after it: accepted. Same key, in order.
    await svc.publish(svc.topics.office, report(mid, at=T0 + 4 * DAY), report(mid, at=T0 + 6 * DAY))
    [done] = await svc.wait_events(svc.topics.deadline_requests, "deadline.fulfilled", 1,
                                   where=lambda e: e.payload["subject_id"] == mid)
    assert done.parsed().fulfilled_at == T0 + 6 * DAY
    [letter] = await wait_for(lambda: _letters(svc, 1), what="the early report refused")
    assert letter["error_type"] == "rectified_before_order"
    assert f"was ordered on {(T0 + 5 * DAY).isoformat()}" in letter["error"]
    [stored] = await svc.query("SELECT rectification_ordered_at, rectification_orders "
                               "FROM {s}.measures WHERE measure_id = :m", m=uuid.UUID(mid))
    assert tuple(stored) == (T0 + 5 * DAY, 2)

    # Deadlines applies it to the new round: met, on time; nothing dead-lettered there.
    await forward(svc, dl, done)
    [met] = await dl.wait_events("deadline.met", 1, deadline_id=did)
    assert met.payload["late"] is False
    assert (await dl.row(did))["status"] == "met"
    assert await dl.dead.poll() == []


async def test_a_supervision_rectified_before_it_was_withdrawn_is_not_ordered_again(svc):
    """The one report per measure answers a later order of it (domain orders_rectification):
    ordered, rectified, withdrawn, a 督办 again → no new request (no clock to red-card a unit
    with nothing left to do), and a second report is refused as before."""
    await decided(svc, finding(10, "general", at=T0 + DAY), "supervision")
    mid = await decided(svc, finding(11, "general", at=T0 + 2 * DAY), "supervision")
    await svc.publish(svc.topics.office, report(mid, at=T0 + 2 * DAY + timedelta(hours=3)))
    await svc.wait_events(svc.topics.deadline_requests, "deadline.fulfilled", 1,
                          where=lambda e: e.payload["subject_id"] == mid)
    late = env(InspectionFindingRecorded(
        finding_id="F-12", unit_id="WJJ", person_id="p-zhao", area="work_style",
        issue="absent_from_post", severity="general", inspected_at=T0), "F-12", T0 + 3 * DAY)
    await svc.publish(svc.topics.inspections, late)
    await svc.wait_events(svc.topics.deadline_requests, "deadline.withdrawn", 1,
                          where=lambda e: e.payload["subject_id"] == mid)
    await revised(svc, mid, 2, "F-12", T0 + 5 * DAY)

    # Whatever that revision emitted has reached the topic once the outbox is empty.
    async def outbox_empty():
        return (await svc.query("SELECT count(*) FROM {s}.outbox"))[0][0] == 0
    await wait_for(outbox_empty, what="outbox drained")
    await (await svc.reader(svc.topics.deadline_requests)).read_to_end()
    assert len(await requests(svc, "deadline.requested", mid)) == 1

    await svc.publish(svc.topics.office, report(mid, at=T0 + 6 * DAY))
    [letter] = await wait_for(lambda: _letters(svc, 1), what="the second report refused")
    assert letter["error_type"] == "already_rectified"
    assert len(await rectified(svc)) == 1


async def test_an_exempted_fault_withdraws_the_clock_of_its_supervision(svc):
    mid, _ = await supervision(svc, 6)
    await svc.publish(svc.topics.office, env(ExemptionGranted(
        subject_id="F-6", unit_id="WJJ", reason="force_majeure", note="台风停电",
        granted_at=T0 + 2 * DAY), "F-6", T0 + 2 * DAY))
    [w] = await svc.wait_events(svc.topics.deadline_requests, "deadline.withdrawn", 1)
    assert w.payload["subject_id"] == mid and "no longer decided" in w.payload["reason"]
