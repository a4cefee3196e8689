"""Thin subscriber: raw bytes → pipeline (inbox, handler, outbox, one transaction) → ack."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from services.deadlines.deps import Topics
from shared.messaging.pipeline import Handler, Pipeline
from shared.messaging.subscriber import at_least_once, raw


def register(broker: KafkaBroker, pipeline: Pipeline, handler: Handler, topics: Topics,
             group_id: str = "deadlines") -> None:
    @broker.subscriber(*topics.consumed(), **at_least_once(group_id))
    async def on_event(body: bytes, msg: KafkaMessage) -> None:
        await pipeline.process(raw(msg), handler)
        await msg.ack()
