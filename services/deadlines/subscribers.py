"""Thin subscriber: a batch of raw messages → pipeline (inbox, handlers, outbox, one
transaction per batch) → ack."""

from __future__ import annotations

from collections.abc import Collection

from faststream.kafka import KafkaBroker

from services.deadlines.deps import Topics
from shared.messaging.batch import Prepare
from shared.messaging.pipeline import Handler, Pipeline
from shared.messaging.subscriber import Message, at_least_once_batch, raw_batch


def register(broker: KafkaBroker, pipeline: Pipeline, handler: Handler, topics: Topics,
             group_id: str = "deadlines", prepare: Prepare | None = None,
             accepts: Collection[str] | None = None, instance_id: str | None = None) -> None:
    @broker.subscriber(*topics.consumed(), **at_least_once_batch(group_id, instance_id))
    async def on_events(bodies: list[bytes], msg: Message) -> None:
        await pipeline.process_batch(raw_batch(msg), handler, prepare, accepts)
        await msg.ack()
