"""The Kafka doors (xn.in.*): thin subscribers that hand each raw message to the pipeline.

Message format (the same `data` body as the HTTP route of that type):
  {"type": "complaint.filed", "source": "12345-hotline", "external_id": "H-2026-000123",
   "data": {...}}
(source, external_id) is the idempotency key: the inbox drops redeliveries, and the request
store answers a message already seen on either door. Anything that cannot be applied — not JSON,
unknown type, type sent to the wrong door, invalid data, unknown unit/person/case — goes to the
dead-letter topic with the reason (field names are relative to `data`)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Annotated

from faststream.kafka import KafkaRouter
from pydantic import WithJsonSchema

from services.intake import door_batch
from services.intake.commands import COMMANDS
from services.intake.context import NAMESPACE, Topics
from services.intake.contract.base import DoorMessage
from services.intake.roster_cache import RosterCache
from shared import topics as t
from shared.messaging.errors import PoisonMessage
from shared.messaging.pipeline import Pipeline, Tx
from shared.messaging.subscriber import Message, at_least_once_batch, raw_batch

# The subscriber takes raw bytes (so a body that is not JSON still reaches the dead-letter
# path), but the AsyncAPI document should show the door's real schema.
DoorBody = Annotated[bytes, WithJsonSchema(DoorMessage.model_json_schema())]


@dataclass(frozen=True)
class Doors:
    """Inbound topics by door name; tests inject their own names."""

    roster: str = t.IN_ROSTER
    reports: str = t.IN_REPORTS
    matters: str = t.IN_MATTERS
    complaints: str = t.IN_COMPLAINTS
    inspections: str = t.IN_INSPECTIONS

    def by_topic(self) -> dict[str, str]:
        return {topic: door for door, topic in asdict(self).items()}


def door_message_id(source: str, external_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"door\x1f{source}\x1f{external_id}")


def make_parser(door: str):
    def parse(value: bytes) -> tuple[uuid.UUID, str, DoorMessage]:
        m = DoorMessage.model_validate_json(value)
        cmd = COMMANDS.get(m.type)
        if cmd is None:
            raise PoisonMessage(f"type: unknown type {m.type!r}", code="unknown_type")
        if cmd.door != door:
            where = f"the {cmd.door} door" if cmd.door else "the HTTP API only"
            raise PoisonMessage(f"type: {m.type!r} is not accepted on the {door} door; "
                                f"it belongs on {where}", code="wrong_door")
        return door_message_id(m.source, m.external_id), m.type, m
    return parse


def build_door_router(pipeline: Pipeline, topics: Topics, doors: Doors,
                      group_id: str = "intake", cache: RosterCache | None = None,
                      instance_id: str | None = None) -> KafkaRouter:
    by_topic = doors.by_topic()
    cache = cache or RosterCache()
    parsers = {topic: make_parser(door) for topic, door in by_topic.items()}

    async def handler(tx: Tx, m: DoorMessage) -> None:
        await door_batch.handle(tx, topics, m, cache)

    router = KafkaRouter()

    @router.subscriber(*by_topic, **at_least_once_batch(group_id, instance_id), title="intake-doors",
                       description="Inbound facts from other systems, in the door format; "
                                   "see docs/events.md")
    async def on_inbound(bodies: list[DoorBody], msg: Message) -> None:
        # One batch may hold several doors; each door's messages keep their order.
        by_door: dict[str, list] = {}
        for rec in raw_batch(msg):
            by_door.setdefault(rec.topic, []).append(rec)
        for topic, recs in by_door.items():
            await pipeline.process_raw_batch(recs, handler, parsers[topic],
                                               prepare=door_batch.prepare)
        await msg.ack()

    return router
