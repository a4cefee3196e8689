"""The Kafka doors apply a batch set-based (services/intake/door_batch.py). Whatever a batch
holds — a case's whole lifecycle, a repeated request, a reused case id, a body that does not
validate — the outcome must be what applying the same messages one at a time gives, and a
case id claimed by another transaction while the batch runs must not slip through."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from services.intake import door_batch, examples
from services.intake.commands import COMMANDS
from services.intake.roster_cache import RosterCache
from services.intake.subscribers import make_parser
from shared.messaging.deadletter import RawMessage
from tests.integration.intake.harness import start_intake

pytestmark = pytest.mark.integration

FINDING = examples.example("inspection.finding_recorded")


def door_msg(type_: str, data: dict, external_id: str, source: str = "gov-platform") -> bytes:
    return json.dumps({"type": type_, "source": source, "external_id": external_id,
                       "data": data}, ensure_ascii=False).encode()


def script() -> dict[str, list[bytes]]:
    """Per door, in log order: every door example (lifecycles included), then the awkward ones."""
    by_door: dict[str, list[bytes]] = {}
    for i, (type_, data) in enumerate(examples.CASES):
        door = COMMANDS[type_].door
        if door is not None:
            by_door.setdefault(door, []).append(door_msg(type_, data, f"ex-{i}"))
    by_door["inspections"] += [
        door_msg("inspection.finding_recorded", {**FINDING, "finding_id": "F-2"}, "f-2"),
        door_msg("inspection.finding_recorded", {**FINDING, "finding_id": "F-2"}, "f-2"),  # retry
        # the same finding under another request id: a conflict, dead-lettered
        door_msg("inspection.finding_recorded", {**FINDING, "finding_id": "F-2"}, "f-2-again"),
        door_msg("inspection.finding_recorded", {**FINDING, "person_id": "nobody"}, "f-bad"),
        door_msg("inspection.finding_recorded", {**FINDING, "finding_id": "F-3"}, "f-3"),
    ]
    by_door["matters"].append(door_msg("matter.completed", {
        "matter_id": "never-accepted", "completed_at": "2026-05-20T10:00:00+08:00"}, "m-bad"))
    return by_door


def raw(topic: str, values: list[bytes]) -> list[RawMessage]:
    return [RawMessage(topic, 0, i, None, v) for i, v in enumerate(values)]


async def seeded(infra, with_relay: bool = True):
    gen = start_intake(infra.kafka_bootstrap, infra.database_url, with_doors=False,
                       with_relay=with_relay)
    it = await gen.__anext__()
    for type_, data in examples.ROSTER:
        assert (await it.post(COMMANDS[type_].path, data)).status_code in (200, 202)
    return it, gen


async def outcome(it) -> dict:
    """Everything a run leaves behind: the events it put in its outbox (topics by name; the run
    has no relay, so they are all still there), the answers it stored, the dead letters."""
    names = {topic: name for name, topic in vars(it.topics).items()}
    async with it.engine.connect() as conn:
        answers = (await conn.execute(text(
            f'SELECT source, request_key, status, response::text AS r FROM "{it.schema}".requests '
            "WHERE source = 'gov-platform' ORDER BY 1, 2"))).all()
        events = (await conn.execute(text(
            f'SELECT topic, key, value FROM "{it.schema}".outbox ORDER BY id'))).all()
    def named(response: str) -> str:  # each run has its own topic names
        for topic, name in names.items():
            response = response.replace(topic, name)
        return response
    return {"answers": [(a.source, a.request_key, a.status, named(a.r)) for a in answers],
            "events": [(names[e.topic], e.key, json.loads(e.value)) for e in events
                       if names[e.topic] != "roster"]}


async def test_a_batch_gives_what_one_message_at_a_time_gives(infra):
    one_by_one, gen1 = await seeded(infra, with_relay=False)
    batched, gen2 = await seeded(infra, with_relay=False)
    try:
        cache1, cache2 = RosterCache(), RosterCache()
        singles, batches = {}, {}
        for door, values in script().items():
            parse = make_parser(door)
            singles[door] = [await one_by_one.pipeline.process_raw(
                m, lambda tx, x: door_batch.handle(tx, one_by_one.topics, x, cache1), parse)
                for m in raw(getattr(one_by_one.doors, door), values)]
            batches[door] = await batched.pipeline.process_raw_batch(
                raw(getattr(batched.doors, door), values),
                lambda tx, x: door_batch.handle(tx, batched.topics, x, cache2), parse,
                prepare=door_batch.prepare)
        assert batches == singles
        assert batches["inspections"][-5:] == ["applied", "duplicate", "dead-lettered",
                                               "dead-lettered", "applied"]
        assert batches["matters"][-1] == "dead-lettered"
        first, second = await outcome(one_by_one), await outcome(batched)
        assert second == first
        kinds = [e[2]["event_type"] for e in first["events"]]
        assert "matter.one_time_notice_breached" in kinds and "complaint.reopened" in kinds
        assert [e[1] for e in first["events"] if e[0] == "inspections"][-2:] == ["F-2", "F-3"]
        dead1 = sorted(d["error"] for d in await one_by_one.dead_letters(3))
        dead2 = sorted(d["error"] for d in await batched.dead_letters(3))
        assert dead2 == dead1
        assert any("finding_id" in d for d in dead2) and any("person_id" in d for d in dead2)
        assert any("matter_id" in d for d in dead2)
    finally:
        for g in (gen1, gen2):
            await g.aclose()


async def test_a_case_id_claimed_elsewhere_during_the_batch_is_refused(infra):
    it, gen = await seeded(infra)
    try:
        values = [door_msg("inspection.finding_recorded", {**FINDING, "finding_id": f"R-{i}"},
                           f"r-{i}") for i in range(3)]

        async def prepare_then_race(tx, messages):
            await door_batch.prepare(tx, messages)
            # Another request (say over HTTP) records R-1 and commits while the batch runs.
            async with it.engine.begin() as conn:
                await conn.execute(text(f'INSERT INTO "{it.schema}".findings (finding_id, unit_id) '
                                        "VALUES ('R-1', :u)"), {"u": FINDING["unit_id"]})

        cache = RosterCache()
        outcomes = await it.pipeline.process_raw_batch(
            raw(it.doors.inspections, values),
            lambda tx, x: door_batch.handle(tx, it.topics, x, cache),
            make_parser("inspections"), prepare=prepare_then_race)
        assert outcomes == ["applied", "dead-lettered", "applied"]
        [dead] = await it.dead_letters(1)
        assert "finding_id" in dead["error"] and "R-1" in dead["error"]
        evs = await it.wait_events(it.topics.inspections, 2)
        assert sorted(e.key for e in evs) == ["R-0", "R-2"]
        assert await it.count("requests", "request_key LIKE 'r-%'") == 2  # R-1's claim undone
    finally:
        await gen.aclose()
