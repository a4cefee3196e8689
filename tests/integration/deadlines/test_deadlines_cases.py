"""Complaints (clocks from dispatch, 退单 and redispatch count hops) and campaign reports (met
late), plus the operators' board."""

from __future__ import annotations

from datetime import date

import pytest

from services.deadlines import cli
from shared.events.complaints import (
    Complainant,
    ComplaintFiled,
    ComplaintRedispatched,
    ComplaintReturned,
)
from shared.events.roster import CampaignConfigured, Phase, RequiredReport
from shared.events.cases import ReportSubmitted
from tests.integration.deadlines.conftest import at, end_of, local

pytestmark = pytest.mark.integration
KINDS = ["complaint_acceptance", "complaint_conclusion", "complaint_return"]  # in opening order


async def test_complaint_clocks_restart_at_redispatch_and_count_hops(svc, capsys, infra):
    filed = local(2026, 10, 9, 16)  # Fri; 1 wd window = make-up Sat 10-10
    svc.clock.set(filed)
    filing = await svc.send(svc.topics.complaints, ComplaintFiled(
        complaint_id="C-1", channel="hotline_12345", filed_at=filed,
        complainant=Complainant(name="张三", phone="13800138000"), target_unit_id="ZJJ",
        against_leadership=False, category="three_arbitrary", description="乱收费",
        routed_to="ZJJ", dispatched_at=filed), key="C-1")
    # One event for the filing, its three clocks in the order opened.
    [scheduled] = await svc.wait_events("deadline.scheduled", 1)
    assert (scheduled.key, scheduled.unit_id, scheduled.schema_version) == ("C-1", "ZJJ", 2)
    assert (scheduled.correlation_id, scheduled.causation_id) == (filing.correlation_id,
                                                                  filing.event_id)
    assert [c["deadline"]["kind"] for c in scheduled.payload["clocks"]] == KINDS
    first = {c["deadline"]["kind"]: c for c in scheduled.payload["clocks"]}
    assert {at(c["starts_at"]) for c in first.values()} == {filed}
    assert at(first["complaint_acceptance"]["deadline"]["due_at"]) == end_of(2026, 10, 13)  # make-up Sat, Mon, Tue
    assert at(first["complaint_conclusion"]["deadline"]["due_at"]) == end_of(2026, 10, 26)  # 三乱 15 d
    assert at(first["complaint_return"]["deadline"]["due_at"]) == end_of(2026, 10, 10)

    await svc.send(svc.topics.complaints, ComplaintReturned(
        complaint_id="C-1", by_unit_id="ZJJ", returned_at=local(2026, 10, 10, 9),
        dispatched_at=filed, reason="不属本单位职责", hop=1), key="C-1")
    again = local(2026, 10, 12, 10)
    await svc.send(svc.topics.complaints, ComplaintRedispatched(
        complaint_id="C-1", to_unit_id="SCJ", dispatched_at=again), key="C-1")
    [_, second] = await svc.wait_events("deadline.scheduled", 2)
    assert (second.key, second.unit_id) == ("C-1", "SCJ")
    assert [c["deadline"]["kind"] for c in second.payload["clocks"]] == KINDS
    assert {c["deadline"]["unit_id"] for c in second.payload["clocks"]} == {"SCJ"}
    assert {at(c["starts_at"]) for c in second.payload["clocks"]} == {again}
    acceptance = second.payload["clocks"][0]["deadline"]
    assert at(acceptance["due_at"]) == end_of(2026, 10, 15)  # from dispatch
    row = await svc.row("complaint_acceptance:C-1")
    assert (row["unit_id"], row["round"], row["hops"], row["status"]) == ("SCJ", 1, 1, "open")

    svc.clock.set(local(2026, 10, 16, 1))
    [missed] = await svc.wait_events("deadline.missed", 1)
    assert missed.payload["deadline"]["deadline_id"] == "complaint_acceptance:C-1"
    await svc.settle()
    assert (await svc.row("complaint_return:C-1"))["status"] == "lapsed"  # no card for a window
    assert len(await svc.events("deadline.missed")) == 1
    assert len(await svc.events("deadline.scheduled")) == 2  # the filing, the redispatch

    assert await cli.run(["board", "--unit", "SCJ", "--database-url", infra.database_url,
                          "--schema", svc.schema]) == 0
    board = capsys.readouterr().out
    assert "RED    SCJ" in board and "complaint_acceptance:C-1" in board


async def test_campaign_report_met_late(svc):
    svc.clock.set(local(2026, 5, 6, 9))
    await svc.send(svc.topics.roster, CampaignConfigured(
        campaign_id="xn-2026", year=2026, title="效能建设", unit_ids=["JYJ", "WSJ"],
        phases=[Phase(code="mobilise", name="学习动员", start=date(2026, 5, 6), end=date(2026, 5, 15))],
        reports=[RequiredReport(kind="implementation_plan", name="实施方案", due=date(2026, 5, 15))]),
        key="xn-2026")
    # Each unit's report is a subject of its own: one event per clock.
    scheduled = await svc.wait_events("deadline.scheduled", 2)
    assert sorted((e.key, *[c["deadline"]["deadline_id"] for c in e.payload["clocks"]])
                  for e in scheduled) == [
        ("xn-2026/JYJ/implementation_plan", "campaign_report:xn-2026/JYJ/implementation_plan"),
        ("xn-2026/WSJ/implementation_plan", "campaign_report:xn-2026/WSJ/implementation_plan")]
    svc.clock.set(local(2026, 5, 16, 0, 0, 1))  # 5/15 is a Friday; the red card at midnight
    await svc.wait_events("deadline.missed", 2)
    await svc.send(svc.topics.reports, ReportSubmitted(
        submission_id="s1", campaign_id="xn-2026", unit_id="JYJ", report_kind="implementation_plan",
        submitted_at=local(2026, 5, 18, 10)), key="JYJ")
    [met] = await svc.wait_events("deadline.met", 1)
    assert met.payload["deadline"]["deadline_id"] == "campaign_report:xn-2026/JYJ/implementation_plan"
    assert (met.payload["late"], met.payload["lateness_working_days"]) == (True, 1)  # Mon 5/18
