"""The delivery log for operators (phone numbers and addresses masked):

    uv run python -m services.notify.cli failed [--limit N]   failed notices, newest first
    uv run python -m services.notify.cli show NOTICE_ID        one notice and all its attempts
    uv run python -m services.notify.cli resend NOTICE_ID      queue a failed notice again

resend re-reads the address from the roster (fix the roster first when the number was wrong)
and gives the notice a fresh attempt budget; the running service's sender picks it up."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from shared.db import make_engine, session_factory

from . import store
from .views import attempt_view, notice_view


def _print(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


async def run(argv: list[str], database_url: str | None = None, schema: str = "notify") -> int:
    parser = argparse.ArgumentParser(prog="python -m services.notify.cli")
    parser.add_argument("--database-url", default=database_url)
    parser.add_argument("--schema", default=schema)
    sub = parser.add_subparsers(dest="command", required=True)
    failed = sub.add_parser("failed", help="list failed notices")
    failed.add_argument("--limit", type=int, default=50)
    sub.add_parser("show", help="a notice and its attempts").add_argument("notice_id")
    sub.add_parser("resend", help="queue a failed notice again").add_argument("notice_id")
    args = parser.parse_args(argv)
    if args.database_url is None:
        from .settings import NotifySettings  # an entry point reads settings, like main.py
        args.database_url = NotifySettings().database_dsn
    engine = make_engine(args.database_url, 1)
    sessions = session_factory(engine)
    try:
        async with sessions() as s, s.begin():
            if args.command == "failed":
                rows = await store.by_status(s, args.schema, "failed", args.limit)
                for n in rows:
                    v = notice_view(n)
                    print(f"{v['notice_id']}  {v['finished_at']}  {v['kind']:<22} {v['channel']:<5} "
                          f"{v['recipient_id']} {v['address'] or '-'}  {v['reason']}")
                print(f"{len(rows)} failed notice(s)", file=sys.stderr)
                return 0
            notice = await store.get(s, args.schema, args.notice_id)
            if notice is None:
                print(f"no notice {args.notice_id}", file=sys.stderr)
                return 2
            if args.command == "show":
                _print({**notice_view(notice), "attempts": [
                    attempt_view(a) for a in await store.attempts(s, args.schema, notice.notice_id)]})
                return 0
            outcome = await store.resend(s, args.schema, notice.notice_id)
            print(f"{notice.notice_id}: {outcome}")
            return 0 if outcome == "queued" else 1
    finally:
        await engine.dispose()


def main() -> None:
    sys.exit(asyncio.run(run(sys.argv[1:])))


if __name__ == "__main__":
    main()
