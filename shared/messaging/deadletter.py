"""Dead-letter records: the original message, byte for byte, plus why it failed.

One topic (`xn.dead-letter`) for the whole system, so one CLI lists and replays them all."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from aiokafka import AIOKafkaProducer


@dataclass(frozen=True)
class RawMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


def dead_letter_record(msg: RawMessage, *, consumer: str, error: str, error_type: str,
                       attempts: int, failed_at: datetime | None = None) -> bytes:
    return json.dumps({
        "original_topic": msg.topic,
        "partition": msg.partition,
        "offset": msg.offset,
        "key": msg.key.decode("utf-8", "replace") if msg.key is not None else None,
        "value_text": msg.value.decode("utf-8", "replace"),
        "value_b64": base64.b64encode(msg.value).decode(),
        "headers": {k: v.decode("utf-8", "replace") for k, v in msg.headers},
        "consumer": consumer,
        "error_type": error_type,
        "error": error,
        "attempts": attempts,
        "failed_at": (failed_at or datetime.now(timezone.utc)).isoformat(),
    }, ensure_ascii=False).encode()


async def publish_dead_letter(producer: AIOKafkaProducer, topic: str, msg: RawMessage, **why) -> None:
    record = dead_letter_record(msg, **why)
    await producer.send_and_wait(
        topic, record, key=msg.key,
        headers=[("original_topic", msg.topic.encode()),
                 ("error_type", str(why.get("error_type", "")).encode())])


def original_of(record: bytes) -> RawMessage:
    """Back from a dead-letter record to the message it holds (for replay)."""
    d = json.loads(record)
    return RawMessage(topic=d["original_topic"], partition=d["partition"], offset=d["offset"],
                      key=d["key"].encode() if d["key"] is not None else None,
                      value=base64.b64decode(d["value_b64"]),
                      headers=tuple((k, v.encode()) for k, v in d["headers"].items()))
