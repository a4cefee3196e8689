"""rectification.completed at intake, without Kafka or PostgreSQL: what it refuses and why, and
the canonical event it publishes."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from services.intake import examples
from services.intake.commands import COMMANDS
from services.intake.context import Ctx, Topics, case_correlation
from services.intake.domain.errors import UnknownReference
from services.intake.memory import MemoryStore, MemoryTx
from services.intake.submit import InvalidBody, default_key, validate
from shared.clock import ManualClock

CMD = COMMANDS["rectification.completed"]
GOOD = examples.example("rectification.completed")


def run(data: dict, store: MemoryStore) -> MemoryTx:
    tx = MemoryTx(ManualClock(datetime(2026, 5, 30, tzinfo=timezone.utc)))
    ctx = Ctx(tx, Topics(), "test", "test\x1f1", store)  # type: ignore[arg-type]
    asyncio.run(CMD.handle(ctx, validate(CMD, data)))
    return tx


def with_unit(unit_id: str = "CGZ") -> MemoryStore:
    store = MemoryStore()
    store.units[unit_id] = {"unit_id": unit_id, "active": True}
    return store


@pytest.mark.parametrize("change,field,reason", [
    ({"measure_id": "M-2026-0042"}, "measure_id", "Input should be a valid UUID"),
    ({"rectified_at": "2026-05-28T17:00:00"}, "rectified_at", "Input should have timezone info"),
    ({"rectified_at": "28/05/2026"}, "rectified_at", "Input should be a valid datetime"),
    ({"report": "  "}, "report", "String should have at least 1 character"),
    ({"report": "整" * 2001}, "report", "String should have at most 2000 characters"),
    ({"confirmed_by": ""}, "confirmed_by", "String should have at least 1 character"),
    ({"unit_id": None}, "unit_id", "Input should be a valid string"),
    ({"rectifed_at": "2026-05-28T17:00:00+08:00"}, "rectifed_at", "Extra inputs are not permitted"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_invalid_bodies_are_refused_naming_the_field(change, field, reason):
    with pytest.raises(InvalidBody) as e:
        validate(CMD, {**GOOD, **change})
    assert (field, reason) in [(f, r[:len(reason)]) for f, r in e.value.errors]
    assert e.value.code == "invalid_body"


def test_a_missing_field_is_named():
    with pytest.raises(InvalidBody) as e:
        validate(CMD, {k: v for k, v in GOOD.items() if k != "rectified_at"})
    assert e.value.errors == [("rectified_at", "Field required")]


def test_an_unknown_unit_is_refused_and_nothing_is_published():
    store = with_unit("ZJJ")
    with pytest.raises(UnknownReference, match="unit_id: unknown unit 'CGZ'") as e:
        run(GOOD, store)
    assert e.value.status == 422 and e.value.code == "unknown_reference"


def test_published_on_the_office_topic_keyed_by_the_measure():
    tx = run(GOOD, with_unit())
    [(topic, env)] = tx.emitted
    assert topic == Topics().office and env.event_type == "rectification.completed"
    assert env.key == examples.SUPERVISION and env.unit_id == "CGZ"
    assert env.correlation_id == case_correlation("measure", examples.SUPERVISION)
    assert env.occurred_at == datetime.fromisoformat(GOOD["rectified_at"])
    assert env.payload["measure_id"] == examples.SUPERVISION
    assert env.payload["evidence"] == ["CGZ-zgbg-2026-05"]


def test_the_same_report_twice_is_one_request_and_a_corrected_one_is_new():
    # No id of its own is claimed: a report accountability refused can be corrected and resent.
    first = default_key(CMD, validate(CMD, GOOD))
    assert first == default_key(CMD, validate(CMD, dict(GOOD)))
    assert first != default_key(CMD, validate(CMD, {**GOOD, "rectified_at":
                                                     "2026-05-28T18:00:00+08:00"}))


def test_accepted_on_http_and_on_the_inspection_platforms_door():
    assert CMD.path == "/v1/office/rectifications" and CMD.door == "inspections"
