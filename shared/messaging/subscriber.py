"""faststream glue for at-least-once subscribers.

Subscribers take the raw bytes (our decoder does no JSON parsing, so a body that is not JSON
reaches the pipeline and is dead-lettered instead of failing inside faststream and being skipped),
hand them to the Pipeline, and ack only after it returns."""

from __future__ import annotations

from typing import Annotated, Any

from faststream import AckPolicy
from faststream.context import Context  # the class; faststream.Context is a factory
from faststream.kafka.message import KafkaMessage

from shared.messaging.deadletter import RawMessage
from shared.topics import group


class _ResolvedOnTheLoop(Context):
    """faststream's Context resolves synchronously, so fast_depends runs it in a worker thread:
    a thread hop per call, ~16 % of a pass-over consumer's CPU (py-spy, accountability). The
    lookup itself is a dict access; an async `use` is awaited on the loop instead."""

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return Context.use(self, **kwargs)


# The message a subscriber acks (faststream.kafka.annotations.KafkaMessage without the hop).
Message = Annotated[KafkaMessage, _ResolvedOnTheLoop("message")]


async def raw_decoder(msg: Any) -> bytes:
    return msg.body


def at_least_once(group_id: str, instance_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """Subscriber options every consumer in the system uses: a named group, manual ack,
    start from the earliest offset when the group is new, and our raw decoder.

    `instance_id` makes the consumer a static member of its group (KIP-345). A process killed
    without leaving the group stays its member until its session times out (~10 s); a new
    dynamic member waits out that rebalance, a static one with the same id takes the dead
    one's place and partitions at once. It must name one consumer of the group, kept across
    restarts: a second consumer with the same id fences the first."""
    return {
        "group_id": group(group_id),  # inside the deployment's topic namespace
        **({"group_instance_id": instance_id} if instance_id else {}),
        "ack_policy": AckPolicy.MANUAL,
        "auto_offset_reset": "earliest",
        "decoder": raw_decoder,
        **({"max_poll_records": 200} if not extra.get("batch") else {}),
        **extra,
    }


def raw(msg: KafkaMessage) -> RawMessage:
    rec = msg.raw_message
    return RawMessage(topic=rec.topic, partition=rec.partition, offset=rec.offset,
                      key=rec.key, value=rec.value or b"", headers=tuple(rec.headers or ()))


def at_least_once_batch(group_id: str, instance_id: str | None = None, max_records: int = 500,
                        **extra: Any) -> dict[str, Any]:
    """Options for a batch subscriber: up to `max_records` per call, one transaction and one
    offset commit per batch (Pipeline.process_batch)."""
    return at_least_once(group_id, instance_id, batch=True, max_records=max_records,
                         batch_timeout_ms=extra.pop("batch_timeout_ms", 50), **extra)


def raw_batch(msg: KafkaMessage) -> list[RawMessage]:
    return [RawMessage(topic=r.topic, partition=r.partition, offset=r.offset, key=r.key,
                       value=r.value or b"", headers=tuple(r.headers or ()))
            for r in msg.raw_message]
