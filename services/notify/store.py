"""SQL for the delivery log: notices (one per event × recipient × channel) and their attempts.

A notice's life: pending → (claimed with a lease) → sent | pending again (retry) | failed.
The claim is its own short transaction; nothing holds a transaction open across the network."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

NOTICE_NAMESPACE = uuid.UUID("6b0f3a52-8d1e-4c53-9a57-3f1c2e0b9d41")
COLUMNS = ("notice_id, source_event_id, source_event_type, correlation_id, unit_id, kind, "
           "recipient_id, recipient_role, recipient_name, channel, address, fallback, "
           "fallback_of, urgent, context, subject, body_text, body_html, status, not_before, "
           "attempts, lease_until, claim_token, claimed_by, last_reason, permanent, "
           "provider_message_id, created_at, finished_at")
QUALIFIED = ", ".join(f"n.{c.strip()}" for c in COLUMNS.split(","))


def notice_id_for(source_event_id: uuid.UUID, recipient_id: str, channel: str) -> str:
    """Deterministic, so a replanned notice is the same notice, and so the e-mail Message-ID and
    the SMS OutId derived from it let a receiver recognise a re-send."""
    return uuid.uuid5(NOTICE_NAMESPACE, f"{source_event_id}|{recipient_id}|{channel}").hex


@dataclass(frozen=True)
class NewNotice:
    source_event_id: uuid.UUID
    source_event_type: str
    correlation_id: uuid.UUID
    unit_id: str | None
    kind: str
    recipient_id: str
    recipient_role: str
    recipient_name: str | None
    channel: str
    address: str | None
    fallback: list[dict[str, str]]
    urgent: bool
    context: dict[str, Any]
    subject: str | None
    body_text: str | None
    body_html: str | None
    not_before: datetime
    created_at: datetime
    status: str = "pending"
    last_reason: str | None = None
    fallback_of: str | None = None

    @cached_property  # a uuid5 (a SHA-1): computed once, not at every use
    def notice_id(self) -> str:
        return notice_id_for(self.source_event_id, self.recipient_id, self.channel)


@dataclass(frozen=True)
class Notice:
    notice_id: str
    source_event_id: uuid.UUID
    source_event_type: str
    correlation_id: uuid.UUID
    unit_id: str | None
    kind: str
    recipient_id: str
    recipient_role: str
    recipient_name: str | None
    channel: str
    address: str | None
    fallback: list[dict[str, str]]
    fallback_of: str | None
    urgent: bool
    context: dict[str, Any]
    subject: str | None
    body_text: str | None
    body_html: str | None
    status: str
    not_before: datetime
    attempts: int
    lease_until: datetime | None
    claim_token: uuid.UUID | None
    claimed_by: str | None
    last_reason: str | None
    permanent: bool | None
    provider_message_id: str | None
    created_at: datetime
    finished_at: datetime | None
    # Claimed before without a recorded outcome: the earlier sender died between send and
    # record (or is still sending, past its lease), so the provider may have it already.
    retaken: bool = False


@lru_cache(maxsize=256)
def sql(schema: str, template: str) -> TextClause:
    """A statement of this schema, built once: parsing a text() costs about a round trip."""
    return text(template.replace("{s}", f'"{schema}"'))


_PARAMS = ("id", "ev", "evt", "corr", "unit", "kind", "rid", "role", "rname", "ch", "addr", "fb",
           "fbo", "urgent", "ctx", "subj", "txt", "html", "status", "nb", "reason", "perm",
           "created", "fin")


def notice_values(n: NewNotice) -> tuple[Any, ...]:
    """The row as INSERT_NOTICES' values, in _PARAMS order."""
    return (n.notice_id, n.source_event_id, n.source_event_type, n.correlation_id, n.unit_id,
            n.kind, n.recipient_id, n.recipient_role, n.recipient_name, n.channel, n.address,
            json.dumps(n.fallback) if n.fallback else "[]", n.fallback_of, n.urgent,
            json.dumps(n.context, ensure_ascii=False), n.subject, n.body_text, n.body_html,
            n.status, n.not_before, n.last_reason, True if n.status == "failed" else None,
            n.created_at, n.created_at if n.status != "pending" else None)


# Notices in one statement: a column of values per parameter, unnested in order (so the first
# of two rows with one id wins, as it would row by row). Cheaper than an executemany of a
# one-row INSERT: the driver sends 24 arrays instead of 24 parameters per row.
INSERT_NOTICES = (
    "INSERT INTO {s}.notices (notice_id, source_event_id, source_event_type, correlation_id, "
    "unit_id, kind, recipient_id, recipient_role, recipient_name, channel, address, fallback, "
    "fallback_of, urgent, context, subject, body_text, body_html, status, not_before, "
    "last_reason, permanent, created_at, finished_at) "
    "SELECT id, ev, evt, corr, unit, kind, rid, role, rname, ch, addr, CAST(fb AS json), fbo, "
    "urgent, CAST(ctx AS json), subj, txt, html, status, nb, reason, perm, created, fin "
    "FROM unnest(CAST(:id AS text[]), CAST(:ev AS uuid[]), CAST(:evt AS text[]), "
    "CAST(:corr AS uuid[]), CAST(:unit AS text[]), CAST(:kind AS text[]), "
    "CAST(:rid AS text[]), CAST(:role AS text[]), CAST(:rname AS text[]), "
    "CAST(:ch AS text[]), CAST(:addr AS text[]), CAST(:fb AS text[]), CAST(:fbo AS text[]), "
    "CAST(:urgent AS boolean[]), CAST(:ctx AS text[]), CAST(:subj AS text[]), "
    "CAST(:txt AS text[]), CAST(:html AS text[]), CAST(:status AS text[]), "
    "CAST(:nb AS timestamptz[]), CAST(:reason AS text[]), CAST(:perm AS boolean[]), "
    "CAST(:created AS timestamptz[]), CAST(:fin AS timestamptz[])) WITH ORDINALITY "
    "AS x(id, ev, evt, corr, unit, kind, rid, role, rname, ch, addr, fb, fbo, urgent, ctx, "
    "subj, txt, html, status, nb, reason, perm, created, fin, n) "
    "ORDER BY n ON CONFLICT DO NOTHING")


def notices_params(rows: list[NewNotice]) -> dict[str, list[Any]]:
    """INSERT_NOTICES' parameters for `rows` (at least one)."""
    return dict(zip(_PARAMS, map(list, zip(*map(notice_values, rows)))))


async def insert_notices(session: AsyncSession, schema: str, rows: list[NewNotice]) -> None:
    """Into the delivery log, in order; a notice already there is left as it is."""
    if rows:
        await session.execute(sql(schema, INSERT_NOTICES), notices_params(rows))


async def insert_notice(session: AsyncSession, schema: str, n: NewNotice) -> bool:
    """False when this (event, recipient, channel) already has its notice. (The consumer
    writes a batch's notices in one call of insert_notices instead.)"""
    row = (await session.execute(sql(schema, INSERT_NOTICES + " RETURNING 1"),
                                 notices_params([n]))).first()
    return row is not None


async def claim_due(session: AsyncSession, schema: str, *, now: datetime, lease_until: datetime,
                    token: uuid.UUID, sender: str, limit: int) -> list[Notice]:
    """Claim due notices: pending, not held back, and not under another sender's live lease
    (an expired lease is a crashed or stalled sender's: its notices are taken over)."""
    # A recorded outcome clears the lease, so a lease still set on a due notice is an earlier
    # claim that never got recorded: the notice comes back `retaken`.
    rows = (await session.execute(sql(schema,
        "WITH due AS (SELECT notice_id, lease_until IS NOT NULL AS retaken FROM {s}.notices "
        "WHERE status = 'pending' AND not_before <= :now AND (lease_until IS NULL OR "
        "lease_until <= :now) ORDER BY not_before LIMIT :n FOR UPDATE SKIP LOCKED) "
        "UPDATE {s}.notices n SET lease_until = :lease, claim_token = :tok, claimed_by = :me, "
        "attempts = n.attempts + 1 FROM due WHERE n.notice_id = due.notice_id "
        f"RETURNING {QUALIFIED}, due.retaken"),
        {"lease": lease_until, "tok": token, "me": sender, "now": now, "n": limit})).all()
    return sorted((Notice(*r) for r in rows), key=lambda n: n.not_before)


@dataclass(frozen=True)
class Outcome:
    """What one send of a claimed notice came to, as the sender records it."""

    notice_id: str
    status: str  # sent | pending (retry) | failed
    reason: str
    permanent: bool | None
    provider_message_id: str | None
    retry_at: datetime | None
    started_at: datetime
    outcome: str  # the channel's: sent | transient_failure | permanent_failure
    token: uuid.UUID  # the claim the send was made under


async def finish_many(session: AsyncSession, schema: str, *, at: datetime,
                      outcomes: list[Outcome]) -> set[str]:
    """Record outcomes (of one claim or several) in one statement; returns the notices still
    held by the claim each was sent under. A notice missing from the result had its lease
    expire and was taken over by another sender: this sender changes nothing on it."""
    rows = (await session.execute(sql(schema,
        "UPDATE {s}.notices n SET status = x.status, last_reason = x.reason, "
        "permanent = x.perm, provider_message_id = COALESCE(x.pmid, n.provider_message_id), "
        "lease_until = NULL, claim_token = NULL, not_before = COALESCE(x.retry, n.not_before), "
        "finished_at = CASE WHEN x.status = 'pending' THEN NULL ELSE CAST(:at AS timestamptz) END "
        "FROM unnest(CAST(:ids AS text[]), CAST(:st AS text[]), CAST(:rs AS text[]), "
        "CAST(:pm AS boolean[]), CAST(:pmid AS text[]), CAST(:retry AS timestamptz[]), "
        "CAST(:tok AS uuid[])) AS x(id, status, reason, perm, pmid, retry, tok) "
        "WHERE n.notice_id = x.id AND n.claim_token = x.tok RETURNING n.notice_id"),
        {"ids": [o.notice_id for o in outcomes], "st": [o.status for o in outcomes],
         "rs": [o.reason for o in outcomes], "pm": [o.permanent for o in outcomes],
         "pmid": [o.provider_message_id for o in outcomes],
         "retry": [o.retry_at for o in outcomes], "at": at,
         "tok": [o.token for o in outcomes]})).scalars()
    return set(rows)


async def record_attempts(session: AsyncSession, schema: str, *, sender: str,
                          recorded_at: datetime, outcomes: list[Outcome],
                          held: set[str]) -> dict[str, int]:
    """One attempt row per outcome, in one statement; returns each notice's attempt number.
    (A notice appears once per claim, so the count read by each row is not disturbed by the
    other rows of the same statement.)"""
    rows = (await session.execute(sql(schema,
        "INSERT INTO {s}.attempts (notice_id, attempt_no, sender, started_at, recorded_at, "
        "outcome, reason, provider_message_id, lease_lost) "
        "SELECT x.id, (SELECT count(*) + 1 FROM {s}.attempts a WHERE a.notice_id = x.id), "
        ":sender, x.started, :rec, x.outcome, x.reason, x.pmid, x.lost "
        "FROM unnest(CAST(:ids AS text[]), CAST(:started AS timestamptz[]), "
        "CAST(:oc AS text[]), CAST(:rs AS text[]), CAST(:pmid AS text[]), "
        "CAST(:lost AS boolean[])) WITH ORDINALITY AS x(id, started, outcome, reason, pmid, lost, i) "
        "ORDER BY x.i RETURNING notice_id, attempt_no"),
        {"ids": [o.notice_id for o in outcomes], "started": [o.started_at for o in outcomes],
         "oc": [o.outcome for o in outcomes], "rs": [o.reason for o in outcomes],
         "pmid": [o.provider_message_id for o in outcomes],
         "lost": [o.notice_id not in held for o in outcomes], "sender": sender,
         "rec": recorded_at})).all()
    return dict(rows)


async def get(session: AsyncSession, schema: str, notice_id: str) -> Notice | None:
    row = (await session.execute(sql(schema, f"SELECT {COLUMNS} FROM {{s}}.notices "
                                            "WHERE notice_id = :id"), {"id": notice_id})).first()
    return Notice(*row) if row else None


async def by_status(session: AsyncSession, schema: str, status: str, limit: int = 100) -> list[Notice]:
    rows = (await session.execute(sql(schema,
        f"SELECT {COLUMNS} FROM {{s}}.notices WHERE status = :st "
        "ORDER BY COALESCE(finished_at, created_at) DESC LIMIT :n"), {"st": status, "n": limit})).all()
    return [Notice(*r) for r in rows]


async def attempts(session: AsyncSession, schema: str, notice_id: str) -> list[Any]:
    return list((await session.execute(sql(schema,
        "SELECT attempt_no, sender, started_at, recorded_at, outcome, reason, "
        "provider_message_id, lease_lost FROM {s}.attempts WHERE notice_id = :id ORDER BY id"),
        {"id": notice_id})).all())


async def resend(session: AsyncSession, schema: str, notice_id: str) -> str:
    """Put a failed notice back in the queue with a fresh attempt budget (the operator fixed the
    address or the provider). Due at once: not_before goes back to the notice's creation, a time
    of the service's own clock (the CLI's wall clock may differ from a demo's virtual time). The address is re-read from the roster as of now, so a corrected
    number is used; earlier attempts stay in the log. Returns 'queued' or why not."""
    notice = await get(session, schema, notice_id)
    if notice is None:
        return "no such notice"
    if notice.status != "failed":
        return f"notice is {notice.status}, not failed"
    column = "phone" if notice.channel == "sms" else "email"
    current = (await session.execute(sql(schema,
        f"SELECT {column} FROM {{s}}.people WHERE person_id = :p"),
        {"p": notice.recipient_id})).scalar_one_or_none()
    address = current or notice.address
    if address is None:
        return f"no {notice.channel} contact for the recipient; correct the roster first"
    await session.execute(sql(schema,
        "UPDATE {s}.notices SET status = 'pending', attempts = 0, not_before = created_at, address = :a, "
        "finished_at = NULL, permanent = NULL, lease_until = NULL, claim_token = NULL "
        "WHERE notice_id = :id"), {"id": notice_id, "a": address})
    return "queued"
