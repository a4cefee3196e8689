"""Writes docs/events.md and docs/asyncapi.{json,yaml} from the code, so they stay true:

    uv run python -m services.intake.catalogue

The examples come from running the worked scenario (examples.py) through the real handlers
against an in-memory store; the AsyncAPI document is faststream's, from the door subscriber and
the publishers declared in asyncapi.py."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path

import yaml

from services.intake import examples
from services.intake.commands import COMMANDS
from services.intake.context import Ctx, Topics
from services.intake.memory import MemoryStore, MemoryTx
from shared.clock import ManualClock
from shared.envelope import Envelope

DOCS = Path(__file__).resolve().parents[2] / "docs"
NOW = datetime(2026, 5, 12, 6, 5, 30, tzinfo=timezone.utc)


async def run_scenario(scenario=examples.SCENARIO) -> list[tuple[str, Envelope]]:
    store, tx = MemoryStore(), MemoryTx(ManualClock(NOW))
    for n, (type_, data) in enumerate(scenario):
        cmd = COMMANDS[type_]
        ctx = Ctx(tx, Topics(), "example", f"example\x1f{n}", store)  # type: ignore[arg-type]
        await cmd.handle(ctx, cmd.model.model_validate(data))
    return tx.emitted


def _json(obj) -> str:
    return "```json\n" + json.dumps(obj, ensure_ascii=False, indent=2) + "\n```\n"


def render(emitted: list[tuple[str, Envelope]]) -> str:
    first: dict[str, tuple[str, Envelope]] = {}
    for topic, env in emitted:
        first.setdefault(env.event_type, (topic, env))
    inbound = {}
    for type_, data in examples.SCENARIO:
        inbound.setdefault(type_, data)
    out = [(Path(__file__).parent / "catalogue_intro.md").read_text(encoding="utf-8")]
    out.append("\n## Inbound types (what callers send)\n\n| type | HTTP | Kafka door |\n|---|---|---|\n")
    for c in COMMANDS.values():
        door = f"`xn.in.{c.door}`" if c.door else "—"
        out.append(f"| `{c.type}` | `POST {c.path}` | {door} |\n")
    out.append("\nExample door message (the HTTP body is `data` alone):\n\n")
    out.append(_json({"type": "complaint.filed", "source": "12345-hotline",
                      "external_id": examples.COMPLAINT, "data": inbound["complaint.filed"]}))
    out.append("\n## Canonical events (what intake publishes)\n")
    for event_type, (topic, env) in first.items():
        model = env.parsed()
        doc = (type(model).__doc__ or "").strip().splitlines()
        out.append(f"\n### `{event_type}` (v{env.schema_version}) on `{topic}`\n\n")
        if doc and not doc[0].startswith("Base of every"):
            out.append(doc[0] + "\n\n")
        sent_as = [t for t, d in examples.SCENARIO if COMMANDS[t].type == event_type]
        out.append(f"Kafka key: `{env.key}`. Published for inbound "
                   f"`{sent_as[0] if sent_as else _cause(event_type)}`.\n\n")
        out.append(_json(json.loads(env.model_dump_json())))
    return "".join(out)


def _cause(event_type: str) -> str:
    return {"matter.one_time_notice_breached": "matter.supplement_requested` (2nd and later",
            "complaint.reopened": "complaint.rated` with rating `unsatisfied"}.get(event_type, "?")


def asyncapi_texts() -> dict[str, str]:
    """docs/asyncapi.json and .yaml, keys sorted: faststream's own key order follows set
    iteration, which changes with PYTHONHASHSEED, so every regeneration was a diff."""
    from services.intake.asyncapi import document
    data = json.loads(asyncio.run(document()).to_json())
    return {"asyncapi.json": json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
            "asyncapi.yaml": yaml.safe_dump(data, allow_unicode=True, sort_keys=True)}


def main() -> None:
    emitted = asyncio.run(run_scenario())
    (DOCS / "events.md").write_text(render(emitted), encoding="utf-8")
    for name, text in asyncapi_texts().items():
        (DOCS / name).write_text(text, encoding="utf-8")
    print(f"wrote docs/events.md ({len(emitted)} example events), docs/asyncapi.json/.yaml")


if __name__ == "__main__":
    main()
