"""The kernel over the real broker and database: at-least-once in, exactly-once effect, outbox
out, poison to the dead-letter topic without blocking the partition."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from shared.cli import deadletters
from shared.envelope import Envelope
from shared.messaging.deadletter import RawMessage
from tests.integration.kernel_app.app import NotePosted, NoteStored, make_handler
from tests.integration.kernel_app.fixtures import kernel  # noqa: F401  (fixture)
from tests.support.kafka import TopicReader, publish
from tests.support.logs import json_lines, service_logging
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
T0 = datetime(2026, 5, 11, 9, 0, tzinfo=timezone.utc)


def note(note_id: str, body: str) -> Envelope:
    return Envelope.wrap(NotePosted(note_id=note_id, text=body), key="case-1", occurred_at=T0,
                         producer="a-plain-aiokafka-client")


async def test_duplicate_delivery_is_stored_once_and_poison_does_not_block(infra, kernel):
    kernel["forbidden"].add("forbidden")
    first, second, last = note("n1", "门难进"), note("n2", "forbidden"), note("n3", "脸难看")
    # n1 is delivered twice (a producer retry), then a body that is not JSON, then an event
    # the business rule rejects, then a good one that must still get through.
    await publish(infra.kafka_bootstrap, kernel["in"], first.to_bytes(), first.to_bytes(),
                  b"{not json", second.to_bytes(), last.to_bytes(), key=b"case-1", batch=True)

    out = await TopicReader(infra.kafka_bootstrap, kernel["out"]).start()
    dlq = await TopicReader(infra.kafka_bootstrap, kernel["dlq"]).start()
    try:
        await wait_for(lambda: _has(out, 2), what="two NoteStored events")
        await wait_for(lambda: _has(dlq, 2), what="two dead letters")
        stored = [Envelope.from_bytes(r.value) for r in out.records]
        assert [e.payload["note_id"] for e in stored] == ["n1", "n3"]
        assert stored[0].causation_id == first.event_id
        assert stored[0].correlation_id == first.correlation_id
        # Each record names its outbox row, so a reader can tell an event emitted twice (two
        # rows) from one row sent again after a crash (the same row).
        rows = [dict(r.headers)["outbox_row"].decode() for r in out.records]
        assert all(r.startswith(f'{kernel["schema"]}/') for r in rows) and len(set(rows)) == 2

        letters = [json.loads(r.value) for r in dlq.records]
        assert letters[0]["value_text"] == "{not json"
        assert letters[0]["error_type"] == "invalid_envelope"
        assert "Invalid JSON" in letters[0]["error"]
        assert letters[0]["original_topic"] == kernel["in"]
        assert letters[1]["error"] == "notes may not say 'forbidden'"
        assert letters[1]["error_type"] == "rejected"

        async with kernel["engine"].connect() as conn:
            notes = (await conn.execute(text(
                f'SELECT note_id FROM "{kernel["schema"]}".notes ORDER BY note_id'))).scalars().all()
            inbox = (await conn.execute(text(
                f'SELECT count(*) FROM "{kernel["schema"]}".inbox'))).scalar_one()
        assert notes == ["n1", "n3"]  # the duplicate changed nothing; the rejected one neither
        assert inbox == 2
        if kernel["mode"] == "batch":  # several messages really shared one transaction
            assert max(kernel["batches"]) > 1, kernel["batches"]
    finally:
        await out.stop()
        await dlq.stop()


async def test_a_redone_batch_logs_each_decision_once_as_taken(infra, kernel, capsys):
    """A batch holding a rejected event is redone one message at a time: the lines of the
    failed attempt are written marked rolled_back, so each note is logged once as stored."""
    kernel["forbidden"].add("forbidden")
    notes = note("g1", "门难进"), note("b1", "forbidden"), note("g2", "脸难看")
    out = await TopicReader(infra.kafka_bootstrap, kernel["out"]).start()
    try:
        with service_logging():
            await publish(infra.kafka_bootstrap, kernel["in"], *(n.to_bytes() for n in notes),
                          key=b"case-1", batch=True)
            await wait_for(lambda: _has(out, 2), what="two NoteStored events")
            lines = [e for e in json_lines(capsys.readouterr().err) if e["event"] == "note stored"]
    finally:
        await out.stop()
    assert sorted(e["note_id"] for e in lines if not e.get("rolled_back")) == ["g1", "g2"]
    rolled_back = [e["note_id"] for e in lines if e.get("rolled_back")]
    if kernel["mode"] == "batch" and kernel["batches"][0] >= 2:  # g1 and b1 were together
        assert rolled_back == ["g1"], lines
    elif kernel["mode"] == "single":
        assert rolled_back == [], lines


async def test_dead_letter_replay_after_a_fix_applies_once(infra, kernel):
    bad = note("n9", "事难办")
    kernel["forbidden"].add("事难办")
    await publish(infra.kafka_bootstrap, kernel["in"], bad.to_bytes(), key=b"case-9")
    dlq = await TopicReader(infra.kafka_bootstrap, kernel["dlq"]).start()
    out = await TopicReader(infra.kafka_bootstrap, kernel["out"]).start()
    try:
        await wait_for(lambda: _has(dlq, 1), what="the dead letter")
        letter = dlq.records[0]
        kernel["forbidden"].clear()  # the fix
        cli = ["--bootstrap", infra.kafka_bootstrap, "--dead-letter-topic", kernel["dlq"]]
        ref = f"{letter.partition}:{letter.offset}"
        assert await deadletters.run([*cli, "replay", ref]) == 0
        assert await deadletters.run([*cli, "replay", ref]) == 0  # replaying twice is harmless
        await wait_for(lambda: _has(out, 1), what="the replayed note stored")
        # A sentinel behind both replays proves they were both consumed before we count.
        sentinel = note("n10", "ok")
        await publish(infra.kafka_bootstrap, kernel["in"], sentinel.to_bytes(), key=b"case-9")
        await wait_for(lambda: _has(out, 2), what="the sentinel stored")
        assert [Envelope.from_bytes(r.value).payload["note_id"] for r in out.records] == ["n9", "n10"]
        async with kernel["engine"].connect() as conn:
            count = (await conn.execute(text(
                f'SELECT count(*) FROM "{kernel["schema"]}".notes WHERE note_id = \'n9\''))).scalar_one()
        assert count == 1
        assert len(await dlq.poll()) == 1
    finally:
        await out.stop()
        await dlq.stop()


async def _has(reader: TopicReader, n: int) -> bool:
    return len(await reader.poll()) >= n


async def test_a_consumer_passes_over_types_it_does_not_act_on(infra, kernel):
    """`accepts`: another service's events on a shared topic cost no parse, no inbox row and no
    handler call; a record from outside our outboxes (no header) is checked in full first, and a
    type nobody registered is still dead-lettered."""
    stored = Envelope.wrap(NoteStored(note_id="s", length=1), key="s", occurred_at=T0,
                           producer="elsewhere")
    unknown = {**json.loads(stored.to_bytes()), "event_type": "test.unheard_of"}
    broken = {**json.loads(stored.to_bytes()), "payload": {"note_id": 1}}
    posted = note("p1", "ok")

    def rec(i: int, value: bytes, event_type: str | None) -> RawMessage:
        headers = (("event_type", event_type.encode()),) if event_type else ()
        return RawMessage(kernel["in"], 0, i, None, value, headers)

    def batch_metric(kind: str) -> float:  # the kernel fixture's service label
        labels = {"service": "kernel-test"}
        return REGISTRY.get_sample_value(f"xn_batch_records_{kind}", labels) or 0.0

    batches, records = batch_metric("count"), batch_metric("sum")
    outcomes = await kernel["pipeline"].process_batch([
        rec(0, posted.to_bytes(), "test.note_posted"),
        rec(1, stored.to_bytes(), "test.note_stored"),  # by its header
        rec(2, stored.to_bytes(), None),  # no header: by its envelope
        rec(3, json.dumps(broken).encode(), "test.note_stored"),  # from an outbox: not ours to judge
        rec(4, json.dumps(broken).encode(), None),  # from elsewhere: checked in full
        rec(5, json.dumps(unknown).encode(), "test.unheard_of"),
    ], make_handler(kernel["out"], set()), accepts={"test.note_posted"})
    assert outcomes == ["applied", "ignored", "ignored", "ignored", "dead-lettered",
                        "dead-lettered"]
    # One batch of six records, passed-over and dead-lettered ones included.
    assert (batch_metric("count") - batches, batch_metric("sum") - records) == (1, 6)
    async with kernel["engine"].connect() as conn:
        inbox = (await conn.execute(text(
            f'SELECT event_id FROM "{kernel["schema"]}".inbox'))).scalars().all()
    assert inbox == [posted.event_id]
    dlq = await TopicReader(infra.kafka_bootstrap, kernel["dlq"]).start()
    try:
        await wait_for(lambda: _has(dlq, 2), what="the broken and the unknown dead-lettered")
        errors = [json.loads(r.value)["error"] for r in dlq.records]
        assert "note_id" in errors[0] and "test.unheard_of" in errors[1]
    finally:
        await dlq.stop()
