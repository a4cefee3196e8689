"""A batch of Kafka-door messages applied set-based, with the same outcome as `submit.apply` on
each message in turn.

`apply` costs a few round trips per message: claim the request, read or claim the case, write
it, store the answer. For a batch, `prepare` validates every body, claims all the requests in
one statement and reads every case the batch names (BatchStore); each message's handler then
works in memory; before the commit the staged case rows and the answers are written in one
statement per table. Anything unusual — a body that does not validate, a request seen before —
takes the per-message path (`apply` / `stored`), which raises the precise error; an error rolls
the batch back and the pipeline redoes it one message at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.intake.batch_store import BatchStore
from services.intake.commands import COMMANDS, Command
from services.intake.context import Topics
from services.intake.contract.base import DoorMessage
from services.intake.domain.errors import InputError
from services.intake.roster_cache import RosterCache
from services.intake.store import statement
from services.intake.submit import Answer, answer_json, apply, fingerprint, run, stored, validate
from shared.logs import get_logger
from shared.messaging.tx import Tx

log = get_logger(__name__)

SCRATCH = "intake.door_batch"

# Which case a type names, so the batch can read all of them at once: prefix → (table, field).
CASES = {"matter": ("matters", "matter_id"), "complaint": ("complaints", "complaint_id"),
         "inspection": ("findings", "finding_id"), "report": ("reports", "submission_id")}


@dataclass
class _Request:
    cmd: Command
    data: Any
    fp: str


@dataclass
class DoorBatch:
    store: BatchStore
    requests: dict[int, _Request]  # by id() of the DoorMessage
    claimed: set[tuple[str, str]]  # (source, external id) claimed by this batch
    answers: list[tuple[str, str, Answer]] = field(default_factory=list)

    async def finish(self, tx: Tx) -> None:
        await self.store.flush()
        if self.answers:
            await tx.session.execute(statement(
                "UPDATE {s}.requests r SET status = x.st, response = CAST(x.r AS json) "
                "FROM unnest(CAST(:s AS text[]), CAST(:k AS text[]), CAST(:st AS int[]), "
                "CAST(:r AS text[])) AS x(s, k, st, r) "
                "WHERE r.source = x.s AND r.request_key = x.k", tx.schema),
                {"s": [a[0] for a in self.answers], "k": [a[1] for a in self.answers],
                 "st": [a[2].status for a in self.answers],
                 "r": [answer_json(a[2]) for a in self.answers]})
        events = [e for a in self.answers for e in a[2].body["events"]]
        log.info("door batch applied", requests=len(self.answers), events=len(events),
                 correlation_ids=sorted({e["correlation_id"] for e in events}))


async def prepare(tx: Tx, messages: list[DoorMessage]) -> None:
    requests: dict[int, _Request] = {}
    for m in messages:
        cmd = COMMANDS[m.type]  # the door's parser let only known types through
        try:
            data = validate(cmd, m.data)
        except InputError:
            continue  # handled alone by `apply`, which raises the field-level error
        requests[id(m)] = _Request(cmd, data, fingerprint(m.type, data))
    pending = [m for m in messages if id(m) in requests]
    rows = (await tx.session.execute(statement(
        "INSERT INTO {s}.requests (source, request_key, fingerprint, status, response) "
        "SELECT s, k, f, 0, '{{}}' FROM unnest(CAST(:s AS text[]), CAST(:k AS text[]), "
        "CAST(:f AS text[])) AS x(s, k, f) ON CONFLICT DO NOTHING RETURNING source, request_key",
        tx.schema), {"s": [m.source for m in pending], "k": [m.external_id for m in pending],
                     "f": [requests[id(m)].fp for m in pending]})).all()
    ids: dict[str, set[str]] = {}
    for m in pending:
        table, id_field = CASES.get(m.type.split(".", 1)[0], (None, None))
        if table is not None:
            ids.setdefault(table, set()).add(getattr(requests[id(m)].data, id_field))
    store = BatchStore(tx.session, tx.schema)
    await store.load(ids)
    batch = DoorBatch(store, requests, {(r.source, r.request_key) for r in rows})
    tx.scratch[SCRATCH] = batch
    tx.before_commit(lambda: batch.finish(tx))


async def handle(tx: Tx, topics: Topics, m: DoorMessage, cache: RosterCache) -> Answer:
    batch: DoorBatch | None = tx.scratch.get(SCRATCH)
    request = batch.requests.get(id(m)) if batch else None
    if batch is None or request is None:  # alone, or a body that did not validate
        return await apply(tx, topics, source=m.source, key=m.external_id, type_=m.type,
                           raw_data=m.data, cache=cache)
    if (m.source, m.external_id) not in batch.claimed:  # seen before, on either door
        return await stored(tx, m.source, m.external_id, request.fp)
    answer = await run(tx, topics, request.cmd, request.data, source=m.source,
                       key=m.external_id, store=batch.store, cache=cache)
    batch.answers.append((m.source, m.external_id, answer))
    log.debug("request applied", type=m.type, source=m.source,
              events=len(answer.body["events"]))
    return answer
