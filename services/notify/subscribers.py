"""Thin faststream subscriber: a batch of raw messages → pipeline.process_batch(handler) → ack.

One consumer reads every source topic, so a person's registration and the deadline that names
them are applied one at a time. Topic names come from `Topics`, so tests use their own."""

from __future__ import annotations

from collections.abc import Collection

from faststream.kafka import KafkaBroker

from shared.messaging.batch import Prepare
from shared.messaging.pipeline import Handler, Pipeline
from shared.messaging.subscriber import Message, at_least_once_batch, raw_batch

from .wiring import Topics

GROUP = "notify"


def register(broker: KafkaBroker, pipeline: Pipeline, handler: Handler, topics: Topics,
             group: str = GROUP, on_applied=lambda: None, prepare: Prepare | None = None,
             accepts: Collection[str] | None = None, instance_id: str | None = None) -> None:
    @broker.subscriber(*topics.sources, **at_least_once_batch(group, instance_id))
    async def on_source_events(bodies: list[bytes], msg: Message) -> None:
        if "applied" in await pipeline.process_batch(raw_batch(msg), handler, prepare, accepts):
            on_applied()  # new notices may be due now: wake the sender instead of a poll
        await msg.ack()
