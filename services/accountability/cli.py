"""Operator commands: python -m services.accountability.cli <command> …

  rulebook check FILE        validate a rule book; every problem at once (exit 1 if refused)
  rulebook load FILE         validate and store a new version; the running service uses it for
                             faults dated on/after its effective_from (no restart)
  rulebook list              stored versions
  whatif FILE [--against V]  replay the recorded faults with FILE and compare with version V
                             (default: the latest stored) — what would change
  replay [--version V]       replay the log with V and check it equals what was decided live
  explain MEASURE_ID [--json]
  scores [--period 2026-Q2]  ranking
  bulletin YEAR MONTH [--publish]   monthly 通报; --publish queues BulletinPublished (outbox)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime, time
from pathlib import Path

from shared import events  # noqa: F401  (registers payloads)
from shared.clock import SHANGHAI
from shared.db import make_engine, session_factory
from shared.messaging.outbox import emit

from . import events_out, queries
from .domain import RuleBookError, parse_rulebook, what_if
from .replay_log import differences, live_state, replay_log
from .rulebook_store import RuleBookCache, list_rulebooks, store_rulebook
from .settings import AccountabilitySettings
from .wiring import Topics


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m services.accountability.cli", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", help="default: XN_DATABASE_URL")
    p.add_argument("--schema", default="accountability")
    p.add_argument("--accountability-topic", help="where --publish goes (default: the catalogue's)")
    sub = p.add_subparsers(dest="cmd", required=True)
    rb = sub.add_parser("rulebook").add_subparsers(dest="action", required=True)
    for action in ("check", "load"):
        rb.add_parser(action).add_argument("file", type=Path)
    rb.add_parser("list")
    w = sub.add_parser("whatif")
    w.add_argument("file", type=Path)
    w.add_argument("--against")
    w.add_argument("--all", action="store_true", help="list every change, not the first 40")
    sub.add_parser("replay").add_argument("--version")
    e = sub.add_parser("explain")
    e.add_argument("measure_id")
    e.add_argument("--json", action="store_true")
    sub.add_parser("scores").add_argument("--period")
    b = sub.add_parser("bulletin")
    b.add_argument("year", type=int)
    b.add_argument("month", type=int)
    b.add_argument("--publish", action="store_true")
    return p


def _line(m) -> str:
    return (f"{m.occurred_on} {m.unit_id} {m.person_id} {m.role.value}: {m.name_zh}({m.code}) "
            f"[{m.explanation.rule_id}{', 从重' if m.explanation.aggravated else ''}] {m.status.value}")


async def _run(args, out) -> int:
    if args.cmd == "rulebook" and args.action == "check":
        try:
            book = parse_rulebook(args.file.read_text(encoding="utf-8"))
        except RuleBookError as exc:
            print(exc, file=out)
            return 1
        print(f"rule book {book.version} OK: effective {book.effective_from}, {len(book.rules)} "
              f"rules, ladder {' → '.join(book.ladder)}", file=out)
        return 0
    dsn = args.database_url or AccountabilitySettings().database_dsn
    engine = make_engine(dsn, 2)
    sessions, schema = session_factory(engine), args.schema
    try:
        async with sessions() as s, s.begin():
            return await _with_db(args, s, schema, out)
    except RuleBookError as exc:
        print(exc, file=out)
        return 1
    finally:
        await engine.dispose()


async def _with_db(args, s, schema: str, out) -> int:
    cache = RuleBookCache()
    if args.cmd == "rulebook" and args.action == "load":
        book, new = await store_rulebook(s, schema, args.file.read_text(encoding="utf-8"))
        print(f"rule book {book.version} {'stored' if new else 'was already stored'}; in force "
              f"for faults dated from {book.effective_from}", file=out)
    elif args.cmd == "rulebook":
        for version, effective, loaded in await list_rulebooks(s, schema):
            print(f"{version}\teffective {effective}\tloaded {loaded}", file=out)
    elif args.cmd == "whatif":
        book_b = parse_rulebook(args.file.read_text(encoding="utf-8"))
        book_a = await (cache.get(s, schema, args.against) if args.against else cache.latest(s, schema))
        report = what_if(await replay_log(s, schema, book_a), await replay_log(s, schema, book_b))
        print(f"what-if {report.version_a} → {report.version_b}: {len(report.added)} added, "
              f"{len(report.removed)} removed, {len(report.changed)} changed measures, "
              f"{len(report.score_changes)} score changes", file=out)
        limit = None if args.all else 40
        for m in report.added[:limit]:
            print(f"+ {_line(m)}", file=out)
        for m in report.removed[:limit]:
            print(f"- {_line(m)}", file=out)
        for c in report.changed[:limit]:
            print(f"~ {_line(c.before)}\n  → {c.after.name_zh}({c.after.code}) "
                  f"[{c.after.explanation.rule_id}]", file=out)
        for sc in report.score_changes[:limit]:
            print(f"score {sc.period} {sc.unit_id}: {sc.before} → {sc.after}", file=out)
    elif args.cmd == "replay":
        book = await (cache.get(s, schema, args.version) if args.version else cache.latest(s, schema))
        replayed = await replay_log(s, schema, book)
        diffs = differences(replayed, await live_state(s, schema), book.base_points)
        print(f"replayed {len(replayed.measures)} measures, {len(replayed.scores)} scores with "
              f"{book.version}: {'identical to live' if not diffs else f'{len(diffs)} differences'}",
              file=out)
        for d in diffs[:100]:
            print(d, file=out)
        return 1 if diffs else 0
    elif args.cmd == "explain":
        found = await queries.explain(s, schema, args.measure_id)
        if found is None:
            print(f"no measure {args.measure_id}", file=out)
            return 1
        print(json.dumps(found, ensure_ascii=False, indent=2) if args.json else found["text"], file=out)
    elif args.cmd == "scores":
        period, rows = await queries.ranking(s, schema, args.period)
        print(f"效能考评 {period or '(no scores yet)'}", file=out)
        for r in rows:
            flag = f"（含申诉中扣分，确认分 {r['confirmed_score']}）" if r["provisional"] else ""
            print(f"{r['rank']:>3}. {r['unit_id']:<12} {r['name']}  {r['score']}{flag}", file=out)
    elif args.cmd == "bulletin":
        text_ = await queries.bulletin(s, schema, args.year, args.month)
        print(text_, file=out)
        if args.publish:
            # Business time of a monthly bulletin: the first instant after the month it covers.
            y, m = args.year + args.month // 12, args.month % 12 + 1
            at = datetime.combine(date(y, m, 1), time(0), tzinfo=SHANGHAI)
            env = events_out.bulletin_published(args.year, args.month, text_, at)
            await emit(s, schema, args.accountability_topic or Topics().accountability, env)
            print(f"queued BulletinPublished {env.event_id} (the service's relay publishes it)", file=out)
    return 0


async def run(argv: list[str], out=sys.stdout) -> int:
    """For callers already inside an event loop (tests)."""
    return await _run(_parser().parse_args(argv), out)


def main(argv: list[str] | None = None, out=sys.stdout) -> int:
    return asyncio.run(_run(_parser().parse_args(argv), out))


if __name__ == "__main__":
    sys.exit(main())
