"""Apply one inbound request, idempotently, inside an open transaction.

The (source, key) row in `requests` is claimed first: a concurrent duplicate blocks on it and
then reads the stored answer, so the same request twice yields one set of events and the same
response. If the request is refused, the transaction rolls back with the claim: bad input
changes nothing and is not remembered, so the caller can fix it and retry with the same key."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.intake.commands import COMMANDS, Command
from services.intake.context import Ctx, Topics
from services.intake.domain.errors import Conflict, InputError
from services.intake.roster_cache import RosterCache
from services.intake.store import Store, statement
from shared.logs import get_logger
from shared.messaging.pipeline import Tx

log = get_logger(__name__)


class InvalidBody(InputError):
    """The body does not match the type's schema; lists every field at fault."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors[0][0], errors[0][1], code="invalid_body")
        self.errors = errors
        self.reason = "; ".join(f"{f}: {r}" for f, r in errors)  # the dead-letter reason


def field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    return [(".".join(map(str, e["loc"])) or "body", e["msg"]) for e in exc.errors(include_url=False)]


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def command_for(type_: str) -> Command:
    try:
        return COMMANDS[type_]
    except KeyError:
        raise InputError("type", f"unknown type {type_!r}", code="unknown_type") from None


def fingerprint(type_: str, data: Any) -> str:
    return hashlib.sha256(f"{type_}\n{data.model_dump_json()}".encode()).hexdigest()


def default_key(cmd: Command, data: Any) -> str | None:
    """The caller's own id for the fact, used when it sends no explicit key."""
    if cmd.idempotent_by_state:
        return None
    if cmd.id_field:
        return f"{cmd.type}:{getattr(data, cmd.id_field)}"
    return f"{cmd.type}:sha256:{fingerprint(cmd.type, data)}"


def validate(cmd: Command, raw_data: Any):
    try:
        return cmd.model.model_validate(raw_data)
    except ValidationError as exc:
        raise InvalidBody(field_errors(exc)) from None


async def apply(tx: Tx, topics: Topics, *, source: str, key: str | None, type_: str,
                raw_data: Any, cache: RosterCache | None = None) -> Answer:
    cmd = command_for(type_)
    data = validate(cmd, raw_data)
    key = key or default_key(cmd, data)
    fp = fingerprint(type_, data)
    s = tx.schema
    if key is not None:
        claimed = (await tx.session.execute(statement(
            "INSERT INTO {s}.requests (source, request_key, fingerprint, status, response) "
            "VALUES (:s, :k, :f, 0, '{{}}') ON CONFLICT DO NOTHING RETURNING 1", s),
            {"s": source, "k": key, "f": fp})).first()
        if claimed is None:
            return await stored(tx, source, key, fp)
    answer = await run(tx, topics, cmd, data, source=source, key=key,
                       store=Store(tx.session, tx.schema), cache=cache)
    if key is not None:
        await tx.session.execute(statement(
            "UPDATE {s}.requests SET status = :st, response = CAST(:r AS json) "
            "WHERE source = :s AND request_key = :k", s),
            {"st": answer.status, "r": answer_json(answer), "s": source, "k": key})
    log.info("request applied", type=type_, source=source, events=len(answer.body["events"]))
    return answer


async def run(tx: Tx, topics: Topics, cmd: Command, data: Any, *, source: str, key: str | None,
              store: Store, cache: RosterCache | None) -> Answer:
    """The command's handler on a claimed request; the answer to store and return."""
    request_id = f"{source}\x1f{key}" if key is not None else str(uuid.uuid4())
    ctx = Ctx(tx, topics, source, request_id, store, cache=cache)
    await cmd.handle(ctx, data)
    return Answer(202 if ctx.published else 200, {
        "status": "accepted" if ctx.published else "unchanged", "type": cmd.type,
        "source": source, "idempotency_key": key,
        "events": [p.as_dict() for p in ctx.published]})


def answer_json(answer: Answer) -> str:
    return json.dumps(answer.body, ensure_ascii=False)


async def stored(tx: Tx, source: str, key: str, fp: str) -> Answer:
    """The answer given the first time (source, key) was applied; Conflict if the body differs."""
    row = (await tx.session.execute(statement(
        "SELECT fingerprint, status, response FROM {s}.requests "
        "WHERE source = :s AND request_key = :k", tx.schema), {"s": source, "k": key})).one()
    if row.fingerprint != fp:
        raise Conflict("idempotency_key",
                       f"{key!r} was already used by {source!r} for a different request")
    body = json.loads(row.response) if isinstance(row.response, str) else row.response
    log.info("repeated request answered from the store", source=source)
    return Answer(row.status, body, replayed=True)
