"""A seeded random campaign: a roster and several thousand fault-producing events in business
order, as the county's systems would publish them over a year (used by the replay test and the
throughput benchmark)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shared.clock import SHANGHAI
from shared.envelope import Envelope
from shared.events.cases import InspectionFindingRecorded, OneTimeNoticeBreached
from shared.events.complaints import ComplaintConcluded, ComplaintReturned
from shared.events.deadlines import DeadlineFacts, DeadlineMet, DeadlineMissed, Responsible
from shared.events.office import ExemptionGranted
from tests.integration.accountability.harness import env

CATEGORIES = ["four_difficulties", "three_arbitrary", "bribery_obstruction", "first_contact",
              "time_limit", "service_quality"]
AREAS = ["duty", "execution", "work_style", "efficiency", "big_picture", "service_quality"]


@dataclass
class Campaign:
    roster: dict[str, list[tuple[str, str, date, date | None]]]
    events: list[tuple[str, Envelope]]  # (topic field of Topics, envelope), duplicates included

    @property
    def unique_events(self) -> int:
        return len({e.event_id for _, e in self.events})


def generate(n_events: int, seed: int = 7, units: int = 12, start: date = date(2026, 3, 2),
             days: int = 270) -> Campaign:
    rnd = random.Random(seed)
    roster: dict[str, list] = {}
    for u in range(units):
        uid = f"U{u:02d}"
        people = [(f"{uid}-h{i}", "handler", date(2026, 1, 1), None) for i in range(3)]
        people += [(f"{uid}-rev", "reviewer", date(2026, 1, 1), None),
                   (f"{uid}-app", "approver", date(2026, 1, 1), None),
                   (f"{uid}-liaison", "liaison", date(2026, 1, 1), None),
                   (f"{uid}-lead1", "leader", date(2026, 1, 1), date(2026, 6, 30)),
                   (f"{uid}-lead2", "leader", date(2026, 7, 1), None)]
        roster[uid] = people
    events: list[tuple[datetime, str, Envelope]] = []
    for n in range(n_events):
        day = start + timedelta(days=rnd.randrange(days))
        at = datetime.combine(day, time(rnd.randrange(8, 18), rnd.randrange(60)), tzinfo=SHANGHAI)
        uid = f"U{rnd.randrange(units):02d}"
        h = f"{uid}-h{rnd.randrange(3)}"
        events.append((at, *_one(rnd, n, uid, h, at)))
        if rnd.random() < 0.02:  # an exemption for this subject, a few days later
            subject = events[-1][2].payload.get("finding_id") or events[-1][2].payload.get("matter_id")
            if subject:
                later = at + timedelta(days=3)
                events.append((later, "office", env(ExemptionGranted(
                    subject_id=subject, unit_id=uid, reason="force_majeure", note="不可抗力",
                    granted_at=later), subject, later)))
    events.sort(key=lambda t: t[0])
    out = [(topic, e) for _, topic, e in events]
    for i in rnd.sample(range(len(out)), k=len(out) // 50):  # redeliveries
        out.insert(min(len(out), i + rnd.randrange(1, 20)), out[i])
    return Campaign(roster, out)


def _one(rnd: random.Random, n: int, uid: str, h: str, at: datetime) -> tuple[str, Envelope]:
    kind = rnd.random()
    sev = rnd.choices(["general", "serious", "grave"], weights=[80, 17, 3])[0]
    if kind < 0.35:
        d = DeadlineFacts(deadline_id=f"matter:M{n}", kind="matter", subject_type="matter",
                          subject_id=f"M{n}", unit_id=uid,
                          responsible=Responsible(handler_id=h, reviewer_id=f"{uid}-rev",
                                                  approver_id=f"{uid}-app"),
                          due_at=at, allowed_working_days=10, calendar_version="cc",
                          provisional=False)
        if rnd.random() < 0.7:
            return "deadlines", env(DeadlineMissed(deadline=d, missed_at=at), d.deadline_id, at)
        return "deadlines", env(DeadlineMet(deadline=d, met_at=at, late=True,
                                            lateness_working_days=rnd.randrange(1, 20)),
                                d.deadline_id, at)
    if kind < 0.5:
        return "matters", env(OneTimeNoticeBreached(
            matter_id=f"M{n}", unit_id=uid, handler_id=h, reviewer_id=f"{uid}-rev",
            request_number=2, requested_at=at, first_request_event_id=f"first-{n}"), f"M{n}", at)
    if kind < 0.7:
        return "complaints", env(ComplaintConcluded(
            complaint_id=f"C{n}", handling_unit_id=uid, target_unit_id=uid, concluded_at=at,
            substantiated=True, findings="查实", responsible_person_id=h, severity=sev,
            category=rnd.choice(CATEGORIES)), f"C{n}", at)
    if kind < 0.8:
        return "complaints", env(ComplaintReturned(
            complaint_id=f"C{n}", by_unit_id=uid, returned_at=at, dispatched_at=at - timedelta(days=6),
            reason="错派", hop=1), f"C{n}", at)
    return "inspections", env(InspectionFindingRecorded(
        finding_id=f"F{n}", unit_id=uid, person_id=rnd.choice([h, None]), area=rnd.choice(AREAS),
        issue="absent_from_post", severity=sev, inspected_at=at), f"F{n}", at)
