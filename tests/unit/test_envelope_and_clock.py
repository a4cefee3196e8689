"""The envelope contract and the injectable clocks."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

import shared.events  # noqa: F401  (registers the payloads)
from shared.clock import ManualClock, ScaledClock, local
from shared.envelope import Envelope, UnknownEventType, payload_class, registered_events
from shared.events.complaints import Complainant, ComplaintFiled

T = datetime(2026, 5, 11, 1, 0, tzinfo=timezone.utc)


def filed() -> ComplaintFiled:
    return ComplaintFiled(
        complaint_id="C1", channel="hotline_12345", filed_at=T,
        complainant=Complainant(name="张三", phone="13812345678"), target_unit_id="JYJ",
        against_leadership=False, category="four_difficulties", description="门难进",
        routed_to="JYJ", dispatched_at=T)


def test_wrap_round_trips_and_inherits_correlation_from_the_cause() -> None:
    first = Envelope.wrap(filed(), key="C1", occurred_at=T, producer="intake", unit_id="JYJ")
    assert Envelope.from_bytes(first.to_bytes()) == first
    assert first.parsed() == filed()
    follow = Envelope.wrap(filed(), key="C1", occurred_at=T, producer="deadlines", cause=first)
    assert follow.correlation_id == first.correlation_id
    assert follow.causation_id == first.event_id
    assert follow.unit_id == "JYJ" and follow.event_id != first.event_id
    assert first.headers()["event_type"] == "complaint.filed"


def test_a_payload_that_breaks_its_schema_is_refused_naming_the_field() -> None:
    env = Envelope.wrap(filed(), key="C1", occurred_at=T, producer="x")
    broken = env.model_copy(update={"payload": {**env.payload, "category": "gossip"}})
    with pytest.raises(ValidationError, match="category"):
        broken.parsed()
    with pytest.raises(UnknownEventType):
        payload_class("complaint.teleported")


def test_occurred_at_must_be_timezone_aware() -> None:
    with pytest.raises(ValidationError):
        Envelope.wrap(filed(), key="C1", occurred_at=datetime(2026, 5, 11, 9), producer="x")


def test_every_payload_field_is_described_for_the_published_schema() -> None:
    from pydantic import BaseModel

    seen: set[type] = set()
    bare: list[str] = []

    def walk(cls: type[BaseModel]) -> None:
        for name, info in cls.model_fields.items():
            if not info.description:
                bare.append(f"{cls.__name__}.{name}")
            for sub in getattr(info.annotation, "__args__", ()) or (info.annotation,):
                if isinstance(sub, type) and issubclass(sub, BaseModel) and sub not in seen:
                    seen.add(sub)
                    walk(sub)

    for name, cls in registered_events().items():
        if not name.startswith("test."):
            walk(cls)
    assert bare == []
    schema = payload_class("deadline.missed").model_json_schema()
    assert "Asia/Shanghai" in str(schema)  # nested models' descriptions reach the schema


def test_every_registered_type_names_itself() -> None:
    for name, cls in registered_events().items():
        assert cls.event_type == name and cls.schema_version >= 1


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(T)
    assert clock.now() == T
    clock.advance(timedelta(days=3))
    assert clock.now() == T + timedelta(days=3)
    assert local(clock.now()).utcoffset() == timedelta(hours=8)


def test_scaled_clocks_with_one_anchor_agree_and_run_fast() -> None:
    anchor = time.time() - 10  # ten real seconds ago
    a, b = ScaledClock(T, 100.0, anchor), ScaledClock(T, 100.0, anchor)
    elapsed = a.now() - T
    assert timedelta(seconds=1000) <= elapsed < timedelta(seconds=1100)
    assert abs(a.now() - b.now()) < timedelta(seconds=5)
