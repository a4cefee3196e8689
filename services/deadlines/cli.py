"""Operators' commands for the deadlines service.

    uv run python -m services.deadlines.cli calendar load FILE
        validate a year file (State Council holiday notice) and publish calendar.year_loaded;
        every running service adopts the year at once, open provisional deadlines are
        recomputed. A bad file prints the precise error, exits 2 and publishes nothing.
    uv run python -m services.deadlines.cli board [--unit U] [--limit N]
        open / yellow / red deadlines per unit.

Connection settings come from the usual XN_* variables (or --bootstrap / --database-url)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timezone

from shared import topics
from shared.db import make_engine, session_factory
from shared.envelope import Envelope
from shared.messaging.outbox import make_producer
from shared.workdays import (
    LOCAL_TZ,
    CalendarFileError,
    WorkCalendar,
    event_from_year,
    load_year_file,
    year_event_id,
)


async def load_calendar(path: str, bootstrap: str, topic: str) -> int:
    try:
        year = load_year_file(path)
        WorkCalendar().with_year(year)  # refuses drafts and years chinesecalendar knows
    except CalendarFileError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    payload = event_from_year(year)
    # Deterministic event id (year + data hash): loading the same file twice is one event.
    env = Envelope.wrap(payload, key=str(year.year), occurred_at=datetime.now(timezone.utc),
                        producer="deadlines-cli", event_id=year_event_id(year))
    producer = make_producer(bootstrap, "deadlines-cli")  # idempotent, acks=all
    await producer.start()
    try:
        await producer.send_and_wait(topic, env.to_bytes(), key=env.key.encode(),
                                     headers=[(k, v.encode()) for k, v in env.headers().items()])
    finally:
        await producer.stop()
    print(f"published calendar.year_loaded {year.year} ({len(year.holidays)} holidays, "
          f"{len(year.workdays)} make-up workdays, version {year.label}) to {topic}; "
          f"event {env.event_id}")
    return 0


async def show_board(database_url: str, schema: str, unit: str | None, limit: int) -> int:
    from services.deadlines.api import read_board

    engine = make_engine(database_url, pool_size=1)
    try:
        board = await read_board(session_factory(engine), schema, unit, limit)
    finally:
        await engine.dispose()
    print(f"{'unit':<16}{'open':>6}{'yellow':>8}{'red':>6}{'provisional':>13}")
    for u in board["units"]:
        print(f"{u['unit_id']:<16}{u['open']:>6}{u['yellow']:>8}{u['red']:>6}{u['provisional']:>13}")
    print()
    for d in board["deadlines"]:
        flags = " PROVISIONAL" if d["provisional"] else ""
        flags += " paused" if d["paused"] else ""
        due = d["due_at"].astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if d["due_at"] else "-"
        print(f"{d['card'].upper():<7}{d['unit_id']:<14}{d['deadline_id']:<48} due {due}{flags}")
    return 0


def parser() -> argparse.ArgumentParser:
    from services.deadlines.settings import DeadlinesSettings

    s = DeadlinesSettings()
    p = argparse.ArgumentParser(prog="python -m services.deadlines.cli")
    sub = p.add_subparsers(dest="command", required=True)
    cal = sub.add_parser("calendar", help="working-day calendar years")
    cal_sub = cal.add_subparsers(dest="action", required=True)
    load = cal_sub.add_parser("load", help="validate FILE and publish calendar.year_loaded")
    load.add_argument("file")
    load.add_argument("--bootstrap", default=s.kafka_bootstrap)
    load.add_argument("--topic", default=topics.CALENDAR)
    board = sub.add_parser("board", help="open / yellow / red deadlines per unit")
    board.add_argument("--unit")
    board.add_argument("--limit", type=int, default=200)
    board.add_argument("--database-url", default=s.database_dsn)
    board.add_argument("--schema", default="deadlines")
    return p


async def run(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "calendar":
        return await load_calendar(args.file, args.bootstrap, args.topic)
    return await show_board(args.database_url, args.schema, args.unit, args.limit)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(argv))


if __name__ == "__main__":
    sys.exit(main())
