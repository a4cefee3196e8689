"""Thin faststream subscriber: a batch of raw messages → pipeline.process_batch(handler,
prepare) → ack.

One consumer reads every source topic (one group member, so start-up is one rebalance, not six,
and a unit's events from different topics are handled one at a time). Topic names come from
`Topics`, so tests run against their own topics."""

from __future__ import annotations

from collections.abc import Collection

from faststream.kafka import KafkaBroker

from shared.messaging.batch import Prepare
from shared.messaging.pipeline import Handler, Pipeline
from shared.messaging.subscriber import Message, at_least_once_batch, raw_batch

from .wiring import Topics

GROUP = "accountability"


def register(broker: KafkaBroker, pipeline: Pipeline, handler: Handler, topics: Topics,
             group: str = GROUP, prepare: Prepare | None = None,
             accepts: Collection[str] | None = None, instance_id: str | None = None) -> None:
    # faststream refuses concurrent workers with manual commits over several topics; one
    # consumer it is (decisions about a unit are serialised by its row lock anyway).
    # Most of what arrives here is passed over by type (complaint.received, deadline.scheduled
    # …), and what is not is a matter of days (a missed deadline, an appeal): the broker holds
    # each fetch until 256 KB or 200 ms are there, so a batch is hundreds of records, not the
    # couple of dozen a keeping-up consumer gets, and the per-batch cost (fetch, offset commit,
    # transaction) is paid that much less often.
    @broker.subscriber(*topics.sources, **at_least_once_batch(
        group, instance_id, fetch_min_bytes=256 * 1024, fetch_max_wait_ms=200))
    async def on_source_events(bodies: list[bytes], msg: Message) -> None:
        await pipeline.process_batch(raw_batch(msg), handler, prepare, accepts)
        await msg.ack()
