"""Poison messages on every input topic: not JSON, the wrong schema, an unknown unit. Each
carries a marker, so the analysis finds its dead letters (one per consuming service)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from tests.reliability.observe import CONSUMERS

DOOR_TYPES = {"xn.in.roster": "unit.registered", "xn.in.reports": "report.submitted",
              "xn.in.matters": "matter.accepted", "xn.in.complaints": "complaint.filed",
              "xn.in.inspections": "inspection.finding_recorded"}
UNKNOWN_UNIT_TYPES = DOOR_TYPES | {"xn.in.roster": "person.registered"}
# Canonical topics the services consume (xn.calendar too: deadlines reads it).
CANONICAL = [t for t in CONSUMERS if not t.startswith("xn.in.")]


@dataclass(frozen=True)
class Poison:
    marker: str
    topic: str  # without the namespace prefix
    kind: str  # not_json | wrong_schema | unknown_unit
    value: bytes

    @property
    def consumers(self) -> tuple[str, ...]:
        return CONSUMERS[self.topic]


def _door_poisons(topic: str, n: str) -> list[Poison]:
    m = lambda k: f"poison-{k}-{topic}-{n}-{uuid.uuid4().hex[:6]}"  # noqa: E731
    nj, ws, uu = m("not_json"), m("wrong_schema"), m("unknown_unit")
    door_type = DOOR_TYPES[topic]
    return [
        Poison(nj, topic, "not_json", f"{{not json at all {nj}".encode()),
        Poison(ws, topic, "wrong_schema", json.dumps(
            {"type": door_type, "source": "chaos", "external_id": ws,
             "data": {"unexpected": True}}).encode()),
        Poison(uu, topic, "unknown_unit", json.dumps(
            {"type": UNKNOWN_UNIT_TYPES[topic], "source": "chaos", "external_id": uu,
             "data": _unknown_unit_body(UNKNOWN_UNIT_TYPES[topic], uu)}
        ).encode()),
    ]


def _unknown_unit_body(door_type: str, marker: str) -> dict:
    now = datetime.now(timezone.utc).isoformat()
    return {
        "person.registered": {"person_id": marker, "name": "x", "unit_id": "NO-SUCH-UNIT",
                              "phone": "13900000000", "email": "x@county.example"},
        "report.submitted": {"submission_id": marker, "campaign_id": "xiaoneng-2026",
                             "unit_id": "NO-SUCH-UNIT", "report_kind": "implementation_plan",
                             "submitted_at": now},
        "matter.accepted": {"matter_id": marker, "unit_id": "NO-SUCH-UNIT", "title": "x",
                            "promised_working_days": 3, "accepted_at": now, "handler_id": "h"},
        "complaint.filed": {"complaint_id": marker, "channel": "web", "filed_at": now,
                            "complainant": {"name": "x", "phone": "13900000000"},
                            "target_unit_id": "NO-SUCH-UNIT", "category": "work_style",
                            "description": "x"},
        "inspection.finding_recorded": {"finding_id": marker, "unit_id": "NO-SUCH-UNIT",
                                        "person_id": "nobody", "area": "duty",
                                        "issue": "phone_unanswered", "severity": "general",
                                        "evidence": [], "inspected_at": now},
    }[door_type]


def _canonical_poisons(topic: str, n: str) -> list[Poison]:
    m = lambda k: f"poison-{k}-{topic}-{n}-{uuid.uuid4().hex[:6]}"  # noqa: E731
    nj, ws = m("not_json"), m("wrong_schema")
    envelope = {"event_id": str(uuid.uuid4()), "event_type": "matter.accepted",
                "schema_version": 1, "occurred_at": datetime.now(timezone.utc).isoformat(),
                "producer": "chaos", "correlation_id": str(uuid.uuid4()), "key": ws,
                "payload": {"matter_id": ws}}  # the payload misses every other field
    return [Poison(nj, topic, "not_json", f"\x00\xff {nj}".encode("utf-8", "replace")),
            Poison(ws, topic, "wrong_schema", json.dumps(envelope).encode())]


def poison_set(n: str) -> list[Poison]:
    out: list[Poison] = []
    for topic in CONSUMERS:
        out += _door_poisons(topic, n) if topic.startswith("xn.in.") else _canonical_poisons(topic, n)
    return out


async def inject(bootstrap: str, prefix: str, poisons: list[Poison], patience_s: float = 180) -> None:
    """Publish every poison message; the broker may be away for a while (chaos): keep trying."""
    deadline = time.monotonic() + patience_s
    left = list(poisons)
    while left:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
        try:
            await producer.start()
            while left:
                await producer.send_and_wait(prefix + left[0].topic, left[0].value,
                                             key=left[0].marker.encode())
                left.pop(0)
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)
        finally:
            await producer.stop()
