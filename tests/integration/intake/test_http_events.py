"""Every inbound type over HTTP lands on its canonical topic as the right event, keyed by its
aggregate, with one correlation id per case."""

from __future__ import annotations

import pytest

from services.intake import examples
from services.intake.commands import COMMANDS
from shared.events.vocab import COUNTY_OFFICE

pytestmark = pytest.mark.integration


async def test_worked_scenario_publishes_every_event_kind(intake):
    for type_, data in examples.CASES:
        r = await intake.post(COMMANDS[type_].path, data)
        assert r.status_code == 202, (type_, r.text)
        assert [e["event_type"] for e in r.json()["events"]][0] == type_

    t = intake.topics
    roster = await intake.wait_events(t.roster, len(examples.ROSTER))
    assert {e.event_type for e in roster} == {"unit.registered", "person.registered",
                                              "person.appointed", "campaign.configured"}
    campaign = next(e for e in roster if e.event_type == "campaign.configured").payload
    assert campaign["unit_ids"] == ["CGZ", "JYJ", "ZJJ"]  # defaulted to every active unit

    (report,) = await intake.wait_events(t.reports, 1)
    assert report.key == "JYJ" and report.payload["report_kind"] == "implementation_plan"

    matter = await intake.wait_events(t.matters, 8, key=examples.MATTER)
    assert [e.event_type for e in matter] == [
        "matter.accepted", "matter.supplement_requested", "matter.supplement_requested",
        "matter.one_time_notice_breached", "matter.paused", "matter.resumed", "matter.extended",
        "matter.completed"]
    breach = matter[3].payload
    assert breach["request_number"] == 2 and breach["handler_id"] == "p-li-na"
    assert breach["first_request_event_id"] == str(matter[1].event_id)
    assert len({e.correlation_id for e in matter}) == 1

    c = await intake.wait_events(t.complaints, 8, key=examples.COMPLAINT)
    assert [e.event_type for e in c] == [
        "complaint.filed", "complaint.returned", "complaint.redispatched", "complaint.accepted",
        "complaint.extended", "complaint.concluded", "complaint.rated", "complaint.reopened"]
    assert c[0].payload["routed_to"] == "ZJJ" and c[0].payload["against_leadership"] is False
    assert c[1].payload["hop"] == 1 and c[1].payload["by_unit_id"] == "ZJJ"
    assert c[5].payload["category"] == "one_time_notice"  # as filed
    assert len({e.correlation_id for e in c}) == 1

    # 分级负责: the second complaint names the unit's leader, so it goes to the county office.
    lead = await intake.wait_events(t.complaints, 2, key="H12345-2026-000124")
    assert lead[0].payload["routed_to"] == COUNTY_OFFICE
    assert lead[0].payload["against_leadership"] is True
    assert lead[1].event_type == "complaint.refused"
    assert lead[1].payload["handling_unit_id"] == COUNTY_OFFICE

    (finding,) = await intake.wait_events(t.inspections, 1)
    assert finding.key == "DC-2026-017" and finding.unit_id == "CGZ"

    office = await intake.wait_events(t.office, 4)
    assert [e.event_type for e in office] == ["appeal.lodged", "appeal.decided",
                                              "fault.exemption_granted", "rectification.completed"]
    assert office[0].key == office[1].key == "M-2026-0042"
    assert office[1].payload["measure_id"] == "M-2026-0042"
    assert office[2].correlation_id == matter[0].correlation_id  # exemption joins its matter
    # a rectification travels with its measure, like an appeal of it
    assert office[3].key == office[3].payload["measure_id"] == examples.SUPERVISION
    assert office[3].unit_id == "CGZ"


async def test_who_led_a_unit_on_a_date(intake):
    r = await intake.http.get("/v1/roster/units/ZJJ/holders", params={"on": "2026-05-20"},
                              headers={"X-Api-Key": intake.key})
    assert r.status_code == 200 and r.json()["person_ids"] == ["p-zhang-wei"]
    # An effective-dated successor takes over on 2026-06-01; the past keeps its answer.
    await intake.post("/v1/roster/appointments", {"person_id": "p-zhang-wei", "unit_id": "ZJJ",
                                                   "role": "leader", "effective_from": "2024-01-01",
                                                   "effective_to": "2026-05-31"})
    await intake.post("/v1/roster/appointments", {"person_id": "p-wang-fang", "unit_id": "ZJJ",
                                                   "role": "leader",
                                                   "effective_from": "2026-06-01"})
    async def leader(on: str) -> list[str]:
        r = await intake.http.get("/v1/roster/units/ZJJ/holders", params={"on": on},
                                  headers={"X-Api-Key": intake.key})
        return r.json()["person_ids"]
    assert await leader("2026-05-31") == ["p-zhang-wei"]
    assert await leader("2026-06-01") == ["p-wang-fang"]
    r = await intake.http.get("/v1/roster/units/NOPE/holders", params={"on": "2026-06-01"},
                              headers={"X-Api-Key": intake.key})
    assert r.status_code == 404


async def test_openapi_documents_every_route(intake):
    spec = (await intake.http.get("/openapi.json")).json()
    for c in COMMANDS.values():
        body = spec["paths"][c.path]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"]["$ref"].endswith(c.model.__name__)
    assert "ComplaintFiledIn" in spec["components"]["schemas"]
