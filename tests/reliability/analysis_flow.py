"""Input → intake → canonical topics → deadlines: lost, duplicated, unexpected, out of order.

Most event ids are derived from what they announce: intake's from (source, idempotency key, n),
deadlines' cards from (deadline, round, warning), accountability's from the fault or measure and
its revision. So a state change applied twice mostly shows not as a new id but as one event id
published from two outbox rows (`check_emitted_once`: each record names its row in the
`outbox_row` header), besides in the counters of the tables (supplement requests). Where ids
are fresh per application, it also shows as two ids for one deadline and event type."""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

import asyncpg

from deploy.demo.scenario import Fact, Scenario
from deploy.demo.sender import SOURCE_BY_DOOR
from services.intake.context import NAMESPACE
from shared.envelope import Envelope
from shared.messaging.outbox import OUTBOX_ROW
from tests.reliability.observe import Rec
from tests.reliability.poison import Poison
from tests.reliability.report import Tally

INTAKE_TOPICS = ("xn.roster", "xn.reports", "xn.matters", "xn.complaints", "xn.inspections",
                 "xn.office")
KAFKA_SOURCE = SOURCE_BY_DOOR["kafka"]


@dataclass
class RunData:
    scenario: Scenario
    sent: dict[str, Fact]  # external_id → fact, in send order
    via: dict[str, str]
    http_status: dict[str, int]
    http_refusals: dict[str, str]  # external_id → intake's 4xx answer
    records: dict[str, list[Rec]]
    poisons: list[Poison]
    dsn: str  # postgresql:// (asyncpg)

    def source(self, ext: str) -> str:
        return KAFKA_SOURCE if self.via[ext] == "kafka" else SOURCE_BY_DOOR["http"]

    def accepted_facts(self) -> list[Fact]:
        """Facts intake took: every fact sent but those it refused (`check_refusals` says
        whether each refusal was right)."""
        refused = self.refusals()
        return [f for f in self.sent.values() if f.external_id not in refused]

    def refusals(self) -> dict[str, str]:
        """external_id → reason, for the facts intake refused: a 4xx over HTTP, or a door message
        it dead-lettered (whatever the reason: a valid fact given up on is refused too)."""
        out = {ext: f"HTTP {why}" for ext, why in self.http_refusals.items()}
        for r in self.records["xn.dead-letter"]:
            d = json.loads(r.value)
            if d["consumer"] == "intake":
                try:
                    ext = json.loads(d["value_text"]).get("external_id")
                except (ValueError, AttributeError):
                    continue
                if ext in self.sent:
                    out[ext] = f'{d["error_type"]}: {d["error"]}'
        return out


CREATES = {"matter.accepted": "matter_id", "complaint.filed": "complaint_id",
           "inspection.finding_recorded": "finding_id", "report.submitted": "submission_id"}


def scenario_conflicts(facts: list[Fact]) -> dict[str, str]:
    """external_id → why, for the facts of a campaign that contradict an earlier one (in send
    order): a case created twice, a matter changed after its completion. Intake must refuse
    exactly these; the generator makes none today, so any refusal is then a fault."""
    out: dict[str, str] = {}
    created: set[tuple[str, str]] = set()
    completed: set[str] = set()
    for f in facts:
        if f.type in CREATES:
            case = (f.type, f.data[CREATES[f.type]])
            if case in created:
                out[f.external_id] = f"{case[1]} created again"
            created.add(case)
        elif f.type.startswith("matter."):
            if f.data["matter_id"] in completed:
                out[f.external_id] = f"{f.data['matter_id']} already completed"
            if f.type == "matter.completed":
                completed.add(f.data["matter_id"])
    return out


def check_refusals(data: RunData, tally: Tally) -> None:
    """Intake refused exactly the facts that contradict earlier ones: a valid fact refused under
    chaos is lost; an invalid one taken is unexpected."""
    refused = data.refusals()
    expected = scenario_conflicts(list(data.sent.values()))
    tally.count("intake.refusals_expected", len(expected))
    for ext in sorted(set(refused) - set(expected)):
        tally.flag("lost", "intake.valid_fact_refused",
                   f"{data.sent[ext].type} {ext}: {refused[ext][:200]}")
    for ext in sorted(set(expected) - set(refused)):
        tally.flag("unexpected", "intake.conflicting_fact_taken", f"{ext}: {expected[ext]}")
    tally.notes["refused_by_intake"] = refused


def envelopes(data: RunData, topic: str, tally: Tally) -> list[tuple[Rec, Envelope]]:
    """Parsed envelopes of a topic (injected poison left out); same-id records counted."""
    poison_values = {p.value for p in data.poisons}
    out = [(r, Envelope.from_bytes(r.value)) for r in data.records[topic]
           if r.value not in poison_values]
    ids = Counter(e.event_id for _, e in out)
    tally.redelivered[topic] = sum(n - 1 for n in ids.values() if n > 1)
    return out


def check_emitted_once(data: RunData, tally: Tally) -> None:
    """Every event id on every topic was published from one outbox row. The same id from two
    rows was emitted by two transactions: a state change applied twice. (The same row more
    than once is a relay killed between send and delete: counted as redelivered.)"""
    rows_by_id: dict[tuple[str, str], set[str]] = defaultdict(set)
    for topic, recs in data.records.items():
        for r in recs:
            row = r.header(OUTBOX_ROW)
            event_id = r.header("event_id")
            if row is not None and event_id is not None:
                rows_by_id[(topic, event_id)].add(row)
    tally.count("events.published_from_outboxes", len(rows_by_id))
    for (topic, event_id), rows in rows_by_id.items():
        if len(rows) > 1:
            tally.flag("duplicated", f"emitted_twice.{topic}", f"{event_id}: rows {sorted(rows)}")


def check_intake(data: RunData, tally: Tally) -> dict[uuid.UUID, Fact]:
    """Every accepted fact's first event is on a canonical topic, once per id, in case order."""
    by_id: dict[uuid.UUID, tuple[Fact, int]] = {}
    order = {ext: i for i, ext in enumerate(data.sent)}
    for f in data.accepted_facts():
        for n in range(6):
            by_id[uuid.uuid5(NAMESPACE, f"{data.source(f.external_id)}\x1f{f.external_id}#{n}")] = (f, n)
    seen: dict[uuid.UUID, Envelope] = {}
    per_key: dict[tuple[str, int], list[tuple[int, uuid.UUID]]] = defaultdict(list)
    for topic in INTAKE_TOPICS:
        for r, env in envelopes(data, topic, tally):
            if env.event_id not in by_id:
                tally.flag("unexpected", "intake.canonical", f"{topic} {env.event_type} {env.event_id}")
                continue
            if env.event_id not in seen:
                seen[env.event_id] = env
                per_key[(topic, r.partition)].append((r.offset, env.event_id))
    facts = data.accepted_facts()
    tally.count("intake.facts", len(facts))
    for f in facts:
        first = uuid.uuid5(NAMESPACE, f"{data.source(f.external_id)}\x1f{f.external_id}#0")
        if first not in seen:  # every fact of the campaign changes something: none is a no-op
            tally.flag("lost", "intake.canonical", f"{f.type} {f.external_id}")
    # Out of order: within one partition, one case's events must follow the facts' send order.
    for recs in per_key.values():
        last_by_case: dict[str, int] = {}
        for _, eid in sorted(recs):
            fact, _n = by_id[eid]
            case = seen[eid].key
            if order[fact.external_id] < last_by_case.get(case, -1):
                tally.flag("out_of_order", "intake.canonical", f"{case}: {fact.type}")
            last_by_case[case] = max(order[fact.external_id], last_by_case.get(case, -1))
    return {eid: by_id[eid][0] for eid in seen}


async def check_intake_answers(data: RunData, tally: Tally, seen: dict[uuid.UUID, Fact]) -> None:
    """Every event intake's stored answer to an accepted fact lists is on its topic (not only
    the first: a second supplement request also publishes the breach it makes)."""
    conn = await asyncpg.connect(data.dsn)
    try:
        rows = {(r["source"], r["request_key"]): r["response"] for r in await conn.fetch(
            "SELECT source, request_key, response::text AS response FROM intake.requests")}
    finally:
        await conn.close()
    listed = 0
    for f in data.accepted_facts():
        answer = rows.get((data.source(f.external_id), f.external_id))
        if answer is None:
            tally.flag("lost", "intake.request_record", f"{f.type} {f.external_id}")
            continue
        for e in json.loads(answer)["events"]:
            listed += 1
            if uuid.UUID(e["event_id"]) not in seen:
                tally.flag("lost", "intake.answered_event", f"{e['event_type']} {f.external_id}")
    tally.count("intake.answered_events", listed)


async def check_intake_state(data: RunData, tally: Tally) -> None:
    """Counters in intake's tables equal the facts that should have moved them."""
    conn = await asyncpg.connect(data.dsn)
    try:
        rows = dict(await conn.fetch("SELECT matter_id, supplement_requests FROM intake.matters"))
        complaints = {r[0] for r in await conn.fetch("SELECT complaint_id FROM intake.complaints")}
    finally:
        await conn.close()
    facts = data.accepted_facts()
    want = Counter(f.data["matter_id"] for f in facts if f.type == "matter.supplement_requested")
    accepted = {f.data["matter_id"] for f in facts if f.type == "matter.accepted"}
    tally.count("intake.matters", len(accepted))
    for mid in accepted:
        if mid not in rows:
            tally.flag("lost", "intake.matters", mid)
        elif rows[mid] > want[mid]:
            tally.flag("duplicated", "intake.supplement_requests", f"{mid}: {rows[mid]} > {want[mid]}")
        elif rows[mid] < want[mid]:
            tally.flag("lost", "intake.supplement_requests", f"{mid}: {rows[mid]} < {want[mid]}")
    filed = {f.data["complaint_id"] for f in facts if f.type == "complaint.filed"}
    tally.count("intake.complaints", len(filed))
    for cid in filed - complaints:
        tally.flag("lost", "intake.complaints", cid)
    for mid in set(rows) - accepted:
        tally.flag("unexpected", "intake.matters", mid)


def _deadline_ids(env: Envelope) -> list[str]:
    """The deadlines an event is about: deadline.scheduled (v2) carries every clock one fact
    opened for its subject (a complaint: three), the other deadline events one deadline."""
    if env.event_type == "deadline.scheduled":
        return [c["deadline"]["deadline_id"] for c in env.payload["clocks"]]
    d = env.payload.get("deadline") or {}
    return [d.get("deadline_id", env.key)]


def check_deadlines(data: RunData, tally: Tally) -> list[Envelope]:
    """One scheduled per deadline, at most one of each card, met once per completion, scheduled
    first; every never-completed overdue matter of the scenario got its red card."""
    recs = envelopes(data, "xn.deadlines", tally)
    ids: dict[tuple, set[uuid.UUID]] = defaultdict(set)
    first_offset: dict[tuple, tuple[int, int]] = {}
    for r, env in recs:
        for did in _deadline_ids(env):
            key = (env.event_type, did, env.payload.get("warning"))
            ids[key].add(env.event_id)
            first_offset.setdefault((env.event_type, did), (r.partition, r.offset))
    # A complaint rated 'unsatisfied' reopens: its conclusion clock starts a new round.
    reopened = Counter(f"complaint_conclusion:{f.data['complaint_id']}" for f in data.accepted_facts()
                       if f.type == "complaint.rated" and f.data.get("rating") == "unsatisfied")
    for key, s in ids.items():
        if len(s) > 1 + reopened[key[1]]:  # each reopen: a new round, its own cards
            tally.flag("duplicated", f"deadlines.{key[0]}", f"{key[1]} {key[2] or ''}: {len(s)} ids")
    scheduled = {k[1] for k in ids if k[0] == "deadline.scheduled"}
    for (etype, did), pos in first_offset.items():
        if etype != "deadline.scheduled" and (("deadline.scheduled", did) not in first_offset
                                              or first_offset[("deadline.scheduled", did)] > pos):
            tally.flag("out_of_order", "deadlines.before_scheduled", f"{etype} {did}")
    facts = data.accepted_facts()
    matters = {f.data["matter_id"] for f in facts if f.type == "matter.accepted"}
    completed = {f.data["matter_id"] for f in facts if f.type == "matter.completed"}
    met = {k[1] for k in ids if k[0] == "deadline.met"}
    missed = {k[1] for k in ids if k[0] == "deadline.missed"}
    tally.count("deadlines.matters", len(matters))
    for mid in matters:
        if f"matter:{mid}" not in scheduled:
            tally.flag("lost", "deadlines.scheduled", mid)
    for mid in completed:
        if f"matter:{mid}" not in met:
            tally.flag("lost", "deadlines.met", mid)
    never_done = data.scenario.expected.red_matters - completed
    tally.count("deadlines.red_cards_required", len(never_done))
    for mid in never_done:
        if f"matter:{mid}" not in missed:
            tally.flag("lost", "deadlines.missed", mid)
    tally.notes["red_cards"] = len(missed)
    tally.notes["yellow_cards"] = sum(1 for k in ids if k[0] == "deadline.warned")
    return [e for _, e in recs]
