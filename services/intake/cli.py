"""Operator commands for intake.

  uv run python -m services.intake.cli roster import FILE      (CSV or YAML)
  uv run python -m services.intake.cli campaign import FILE    (YAML)
  uv run python -m services.intake.cli apikey create SYSTEM [--require-signature]
  uv run python -m services.intake.cli apikey revoke KEY_ID

Imports run in one transaction: a bad row stops the import with the row and the field, and
nothing changes. Each change becomes an event in the outbox; the running intake service
publishes it. Unchanged rows publish nothing, so a file can be imported again safely."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from services.intake.auth import KeyStore
from services.intake.context import Topics
from services.intake.domain.errors import InputError
from services.intake.importing import FileError, Item, campaign_items, roster_items
from services.intake.settings import IntakeSettings
from services.intake.submit import apply
from shared.clock import SystemClock
from shared.db import make_engine, session_factory
from shared.logs import configure_logging
from shared.messaging.pipeline import Tx
from shared.migrations import migrations_dir, upgrade_async

SOURCE = "roster-import"


async def import_items(dsn: str, schema: str, items: list[Item], topics: Topics = Topics()
                       ) -> tuple[int, int]:
    """Apply items in one transaction; returns (items, events). An InputError carries the
    place in the file as `where`."""
    engine = make_engine(dsn, 1)
    events = 0
    try:
        async with session_factory(engine)() as session, session.begin():
            tx = Tx(session, schema, SystemClock())
            for type_, data, where in items:
                try:
                    answer = await apply(tx, topics, source=SOURCE, key=None, type_=type_,
                                         raw_data=data)
                except InputError as e:
                    e.where = where  # type: ignore[attr-defined]
                    raise
                events += len(answer.body["events"])
    finally:
        await engine.dispose()
    return len(items), events


async def _apikey(dsn: str, schema: str, args) -> str:
    engine = make_engine(dsn, 1)
    try:
        async with session_factory(engine)() as session, session.begin():
            keys = KeyStore(schema)
            if args.action == "create":
                return await keys.create(session, args.name, args.require_signature)
            return "revoked" if await keys.revoke(session, args.name) else "no such active key"
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.intake.cli")
    sub = p.add_subparsers(dest="what", required=True)
    for what in ("roster", "campaign"):
        s = sub.add_parser(what).add_subparsers(dest="action", required=True)
        s.add_parser("import").add_argument("file", type=Path)
    k = sub.add_parser("apikey").add_subparsers(dest="action", required=True)
    c = k.add_parser("create")
    c.add_argument("name", help="the calling system, e.g. 12345-hotline (becomes the source)")
    c.add_argument("--require-signature", action="store_true")
    k.add_parser("revoke").add_argument("name", metavar="KEY_ID")
    p.add_argument("--schema", default="intake")
    args = p.parse_args(argv)
    settings = IntakeSettings()
    configure_logging("intake-cli", "WARNING", settings.log_format)
    dsn = settings.database_dsn
    asyncio.run(upgrade_async(migrations_dir("intake"), args.schema, dsn))
    if args.what == "apikey":
        out = asyncio.run(_apikey(dsn, args.schema, args))
        print(out if args.action == "revoke" else
              f"API key for {args.name} (shown once, store it now):\n{out}")
        return 0
    try:
        items = roster_items(args.file) if args.what == "roster" else campaign_items(args.file)
        n, events = asyncio.run(import_items(dsn, args.schema, items))
    except (FileError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except InputError as e:
        print(f"error: {getattr(e, 'where', '?')}: {e.reason}; nothing imported", file=sys.stderr)
        return 2
    print(f"{args.file}: {n} records, {events} changes published")
    return 0


if __name__ == "__main__":
    sys.exit(main())
