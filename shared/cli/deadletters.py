"""Dead letters for operators: list, show (with the error) and replay after a fix.

    uv run python -m shared.cli.deadletters list [--topic T] [--limit N]
    uv run python -m shared.cli.deadletters show OFFSET
    uv run python -m shared.cli.deadletters replay OFFSET... | --all [--topic T]

Replay republishes the original bytes, key and headers to the original topic. It is idempotent:
consumers drop an event id they have applied (inbox), and intake's doors drop a repeated
(source, external id). Personal data in the message is masked in what this tool prints."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared import topics
from shared.masking import mask_text
from shared.messaging.deadletter import original_of


@dataclass(frozen=True)
class Letter:
    partition: int
    offset: int
    record: dict
    raw: bytes


async def read_all(bootstrap: str, topic: str = topics.DEAD_LETTER) -> list[Letter]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                group_id=None)
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        letters: list[Letter] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*tps, timeout_ms=500)
            for recs in batch.values():
                letters += [Letter(r.partition, r.offset, json.loads(r.value), r.value)
                            for r in recs]
        return sorted(letters, key=lambda l: (l.partition, l.offset))
    finally:
        await consumer.stop()


def ref(letter: Letter) -> str:
    return f"{letter.partition}:{letter.offset}"


def summary(letter: Letter) -> str:
    r = letter.record
    return (f"{ref(letter):>8}  {r['failed_at'][:19]}  {r['original_topic']}  "
            f"{r['consumer']}  {r['error_type']}: {mask_text(r['error'])[:100]}")


async def replay(bootstrap: str, letters: list[Letter], dlq: str = topics.DEAD_LETTER) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for letter in letters:
            msg = original_of(letter.raw)
            headers = [*msg.headers, ("replayed_from", f"{dlq}@{ref(letter)}".encode())]
            await producer.send_and_wait(msg.topic, msg.value, key=msg.key, headers=headers)
        return len(letters)
    finally:
        await producer.stop()


async def run(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="deadletters", description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", default=os.environ.get("XN_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    ap.add_argument("--dead-letter-topic", default=topics.DEAD_LETTER)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list")
    ls.add_argument("--topic", help="only letters from this original topic")
    ls.add_argument("--limit", type=int, default=100)
    sh = sub.add_parser("show")
    sh.add_argument("ref", help="PARTITION:OFFSET as printed by list")
    rp = sub.add_parser("replay")
    rp.add_argument("refs", nargs="*")
    rp.add_argument("--all", action="store_true")
    rp.add_argument("--topic")
    args = ap.parse_args(argv)

    letters = await read_all(args.bootstrap, args.dead_letter_topic)
    if args.cmd == "list":
        chosen = [l for l in letters if not args.topic or l.record["original_topic"] == args.topic]
        for letter in chosen[-args.limit:]:
            print(summary(letter))
        print(f"{len(chosen)} dead letter(s)")
        return 0
    by_ref = {ref(l): l for l in letters}
    if args.cmd == "show":
        letter = by_ref.get(args.ref)
        if letter is None:
            print(f"no dead letter at {args.ref}", file=sys.stderr)
            return 1
        shown = dict(letter.record)
        shown.pop("value_b64")
        print(mask_text(json.dumps(shown, ensure_ascii=False, indent=2)))
        return 0
    if args.all:
        chosen = [l for l in letters if not args.topic or l.record["original_topic"] == args.topic]
    else:
        missing = [r for r in args.refs if r not in by_ref]
        if missing or not args.refs:
            print(f"unknown dead letter(s): {missing or 'none given'}", file=sys.stderr)
            return 1
        chosen = [by_ref[r] for r in args.refs]
    n = await replay(args.bootstrap, chosen, args.dead_letter_topic)
    print(f"replayed {n} message(s) to their original topics")
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(argv))


if __name__ == "__main__":
    sys.exit(main())
