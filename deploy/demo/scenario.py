"""The demo campaign as a timeline of facts other systems would report, plus what must follow.

Seeded and deterministic: the same seed gives the same facts, so the end-to-end test can compute
which red cards must appear. Facts are (virtual instant, inbound type, body, door)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from deploy.demo.county import Unit, build_county, campaign
from shared.clock import SHANGHAI
from shared.events.vocab import COUNTY_OFFICE
from shared.workdays import WorkCalendar


@dataclass(frozen=True, order=True)
class Fact:
    at: datetime
    seq: int
    type: str = field(compare=False)
    data: dict = field(compare=False)
    door: str = field(compare=False)  # "kafka" (government platforms) or "http" (hotline, teams)
    external_id: str = field(compare=False)


@dataclass
class Expected:
    red_matters: set[str] = field(default_factory=set)  # matter ids that must get a red card
    on_time_matters: set[str] = field(default_factory=set)
    breaches: set[str] = field(default_factory=set)  # matters with a 2nd supplement request
    substantiated: set[str] = field(default_factory=set)  # complaints concluded against a unit


@dataclass
class Scenario:
    units: list[Unit]
    facts: list[Fact]
    expected: Expected
    start: datetime
    end: datetime


def _at(day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI) + timedelta(hours=hour)


def build(*, seed: int = 2026, units: int | None = None, days: int = 20,
          matters_per_day: int = 150, complaints_per_day: int = 15, findings_per_day: int = 2,
          start: datetime = datetime(2026, 5, 6, 8, 30, tzinfo=SHANGHAI),
          calendar: WorkCalendar | None = None) -> Scenario:
    rng = random.Random(seed)
    cal = calendar or WorkCalendar()
    county = build_county(units)
    # The efficiency office is on the roster but handles no citizens' matters itself.
    serving = [u for u in county if u.unit_id != COUNTY_OFFICE]
    facts: list[Fact] = []
    exp = Expected()
    end = start + timedelta(days=days)

    def add(at: datetime, type_: str, data: dict, door: str) -> None:
        facts.append(Fact(at, len(facts), type_, data, door, f"demo-{len(facts)}"))

    # Roster first, before the clock starts, through the roster door (the sender waits until
    # intake knows every appointment before it sends any case).
    t0 = start - timedelta(minutes=1)
    for u in county:
        add(t0, "unit.registered", {"unit_id": u.unit_id, "name": u.name, "kind": u.kind}, "kafka")
    for u in county:
        for p in u.people:
            add(t0, "person.registered", {"person_id": p.person_id, "name": p.name,
                                          "unit_id": u.unit_id, "phone": p.phone,
                                          "email": p.email}, "kafka")
            add(t0, "person.appointed", {"person_id": p.person_id, "unit_id": u.unit_id,
                                         "role": p.role, "effective_from": "2026-01-01"}, "kafka")
    add(t0, "campaign.configured", campaign(start.year, [u.unit_id for u in serving]), "http")

    working = [start.date() + timedelta(days=i) for i in range(days)
               if cal.is_workday(start.date() + timedelta(days=i)).workday]
    n_matter = n_complaint = n_finding = 0
    for day in working:
        for _ in range(matters_per_day):
            n_matter += 1
            _matter(rng, cal, serving, day, f"M{day:%m%d}-{n_matter:05d}", add, exp, end)
        for _ in range(complaints_per_day):
            n_complaint += 1
            _complaint(rng, cal, serving, day, f"C{day:%m%d}-{n_complaint:04d}", add, exp)
        for _ in range(findings_per_day):
            n_finding += 1
            u = rng.choice(serving)
            add(_at(day, rng.uniform(9, 17)), "inspection.finding_recorded", {
                "finding_id": f"F{n_finding:04d}", "unit_id": u.unit_id,
                "person_id": rng.choice(u.by_role("handler")).person_id,
                "area": rng.choice(["duty", "work_style", "efficiency", "service_quality"]),
                "issue": rng.choice(["phone_unanswered", "absent_from_post", "late_for_work",
                                     "gaming_at_work"]),
                "severity": rng.choices(["general", "serious"], [9, 1])[0],
                "evidence": [f"photo-{n_finding}.jpg"], "inspected_at": "",
            }, "http")
    for u in serving:  # the first campaign report: most on time, some late, a few never
        r = rng.random()
        if r < 0.85:
            when = _at(date(start.year, 5, rng.randint(8, 14)), rng.uniform(9, 17))
        elif r < 0.95:
            when = _at(date(start.year, 5, 18), 10)
        else:
            continue
        add(when, "report.submitted", {"submission_id": f"R1-{u.unit_id}",
                                       "campaign_id": f"xiaoneng-{start.year}",
                                       "unit_id": u.unit_id, "report_kind": "implementation_plan",
                                       "submitted_at": ""}, "http")
    facts = sorted(f for f in facts if f.at < end)
    for f in facts:  # timestamps inside the bodies follow the fact's instant
        for k in ("inspected_at", "submitted_at"):
            if f.data.get(k) == "":
                f.data[k] = f.at.isoformat()
    return Scenario(county, facts, exp, start, end)


def _due(cal: WorkCalendar, accepted: datetime, days: int) -> datetime:
    last = cal.add_working_days(accepted.date(), days).value
    return datetime.combine(last, time(23, 59, 59, 999000), SHANGHAI)


def _matter(rng, cal, county, day, mid, add, exp: Expected, end: datetime) -> None:
    u = rng.choice(county)
    accepted = _at(day, rng.uniform(8.5, 17.5))
    limit = rng.choice([1, 2, 3, 5])
    due = _due(cal, accepted, limit)
    add(accepted, "matter.accepted", {
        "matter_id": mid, "unit_id": u.unit_id, "title": rng.choice(
            ["建筑工程施工许可", "食品经营许可", "社会保障卡补办", "不动产登记", "个体工商户登记"]),
        "promised_working_days": limit, "accepted_at": accepted.isoformat(),
        "handler_id": rng.choice(u.by_role("handler")).person_id,
        "reviewer_id": u.by_role("reviewer")[0].person_id,
        "approver_id": u.by_role("approver")[0].person_id}, "kafka")
    r = rng.random()
    if r < 0.04:  # supplement requests; a third of them come back for more (一次性告知 breach)
        first = accepted + timedelta(hours=2)
        add(first, "matter.supplement_requested", {"matter_id": mid, "requested_at": first.isoformat(),
                                                   "missing_documents": ["营业执照副本"]}, "kafka")
        if rng.random() < 0.34:
            second = first + timedelta(hours=3)
            add(second, "matter.supplement_requested", {
                "matter_id": mid, "requested_at": second.isoformat(),
                "missing_documents": ["法定代表人身份证明"]}, "kafka")
            exp.breaches.add(mid)
    if r < 0.80:  # on time: done well inside the limit (and after any supplement request)
        done = max(accepted + (due - accepted) * rng.uniform(0.1, 0.6),
                   accepted + timedelta(hours=6))
        exp.on_time_matters.add(mid)
    elif r < 0.92:  # late: a working day after the limit
        done = _due(cal, due, 1) - timedelta(hours=rng.uniform(6, 12))
    else:  # never done within the demo
        done = None
    if done is None or done > due:
        if due < end - timedelta(hours=1):  # the red card falls inside the demo
            exp.red_matters.add(mid)
    if done is not None:
        add(done, "matter.completed", {"matter_id": mid, "completed_at": done.isoformat()}, "kafka")


def _complaint(rng, cal, county, day, cid, add, exp: Expected) -> None:
    u = rng.choice(county)
    filed = _at(day, rng.uniform(8, 20))
    against_leader = rng.random() < 0.1
    target = u.by_role("leader")[0] if against_leader else rng.choice(u.by_role("handler"))
    add(filed, "complaint.filed", {
        "complaint_id": cid, "channel": rng.choice(["hotline_12345", "web", "walk_in"]),
        "filed_at": filed.isoformat(),
        "complainant": {"name": "群众" + cid[-3:], "phone": f"1390000{int(cid[-4:]):04d}"},
        "target_unit_id": u.unit_id, "target_person_id": target.person_id,
        "category": rng.choice(["four_difficulties", "three_arbitrary", "first_contact",
                                "one_time_notice", "time_limit", "work_style"]),
        "description": "办事多次往返，工作人员推诿。"}, "http")
    accepted = _at(cal.add_working_days(filed.date(), rng.choice([1, 1, 1, 2, 5])).value, 10)
    add(accepted, "complaint.accepted", {"complaint_id": cid, "accepted_at": accepted.isoformat()},
        "http")
    concluded = accepted + timedelta(days=rng.randint(2, 9), hours=3)
    substantiated = rng.random() < 0.3
    add(concluded, "complaint.concluded", {
        "complaint_id": cid, "concluded_at": concluded.isoformat(), "substantiated": substantiated,
        "findings": "经核查属实，责令整改。" if substantiated else "经核查，反映问题不属实。",
        "responsible_person_id": target.person_id if substantiated else None}, "http")
    if substantiated:
        exp.substantiated.add(cid)
    rated = concluded + timedelta(days=1)
    add(rated, "complaint.rated", {"complaint_id": cid, "rated_at": rated.isoformat(),
                                   "rating": rng.choices(["satisfied", "unsatisfied"], [9, 1])[0]},
        "http")
