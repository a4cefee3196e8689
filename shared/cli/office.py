"""One command for the county efficiency office; each verb runs the owning service's own CLI.

    uv run python -m shared.cli.office <verb> ...

  roster import FILE            units, people, appointments (CSV/YAML)          → intake
  campaign import FILE          the year's campaign: phases, the four reports     → intake
  apikey create SYSTEM          a key for a calling system (printed once)        → intake
  calendar load FILE            a State Council holiday notice year               → deadlines
  board [--unit U]              open / yellow / red deadlines per unit           → deadlines
  rulebook check|load FILE      validate / put a rule-book version in force       → accountability
  whatif FILE                   what a rule-book version would change (dry run)   → accountability
  scores [--period P]           unit scores and ranking                           → accountability
  explain MEASURE_ID            why a measure was decided                         → accountability
  bulletin YEAR MONTH           the monthly 通报 (--publish to send it)           → accountability
  notices failed|show|resend    failed notices, attempts, resend                  → notify
  deadletters list|show|replay  dead-lettered messages                            → shared

Each reads XN_DATABASE_URL / XN_KAFKA_BOOTSTRAP (source .infra/env on one machine)."""

from __future__ import annotations

import asyncio
import sys

VERBS = {
    "roster": "intake", "campaign": "intake", "apikey": "intake",
    "calendar": "deadlines", "board": "deadlines",
    "rulebook": "accountability", "whatif": "accountability", "scores": "accountability",
    "explain": "accountability", "bulletin": "accountability", "replay": "accountability",
    "notices": "notify", "deadletters": "shared",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in VERBS:
        print(__doc__, file=sys.stderr)
        return 2
    owner = VERBS[argv[0]]
    if owner == "intake":
        from services.intake.cli import main as run
        return run(argv)
    if owner == "deadlines":
        from services.deadlines.cli import main as run
        return run(argv)
    if owner == "accountability":
        from services.accountability.cli import main as run
        return run(argv)
    if owner == "notify":
        from services.notify.cli import run as run_async
        return asyncio.run(run_async(argv[1:]))
    from shared.cli.deadletters import main as run
    return run(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
