"""SQL for the deadlines service's own tables. Every function runs in the caller's transaction."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.deadlines.codec import (
    NOBODY,
    NOBODY_JSON,
    DeadlineRow,
    next_fire_at,
    schedule_from_json,
    schedule_json,
)
from services.deadlines.domain import DeadlineState
from shared.events.deadlines import Responsible

_COLUMNS = ("deadline_id, kind, subject_type, subject_id, unit_id, responsible, status, card, "
            "state, schedule, due_at, round, hops, origin_event_id, correlation_id")
_DERIVED = "next_fire_at, provisional, provisional_years, calendar_version, rule_version"


@cache
def _sql(template: str, schema: str) -> TextClause:
    """Each statement built once per schema: text() parses its SQL on every construction,
    which costs about as much as the round trip itself."""
    return text(template.replace("{s}", f'"{schema}"'))


# The column values of a row, in this order: a tuple per row for a batch INSERT (transposed
# into one array per column), a dict for the one-row statements.
_PARAMS = ("deadline_id", "kind", "subject_type", "subject_id", "unit_id", "responsible",
           "status", "card", "state", "schedule", "due_at", "round", "hops", "origin_event_id",
           "correlation_id", "next_fire_at", "provisional", "provisional_years",
           "calendar_version", "rule_version")


def _values(row: DeadlineRow) -> tuple:
    s = row.schedule
    return (row.deadline_id, row.kind, row.subject_type, row.subject_id, row.unit_id,
            NOBODY_JSON if row.responsible is NOBODY else row.responsible.model_dump_json(),
            row.status, row.card, row.state.model_dump_json(), schedule_json(s),
            s.due_at or row.due_at, row.round, row.hops, row.origin_event_id, row.correlation_id,
            next_fire_at(row.state, s) if row.status == "open" else None, s.provisional,
            s.provisional_years, s.calendar_version, s.rule_version)


def _params(row: DeadlineRow) -> dict[str, Any]:
    params = dict(zip(_PARAMS, _values(row)))
    params["provisional_years"] = list(params["provisional_years"])
    return params


def _row(r: Any) -> DeadlineRow:
    return DeadlineRow(
        deadline_id=r.deadline_id, kind=r.kind, subject_type=r.subject_type,
        subject_id=r.subject_id, unit_id=r.unit_id,
        state=DeadlineState.model_validate(r.state), schedule=schedule_from_json(r.schedule),
        origin_event_id=r.origin_event_id, correlation_id=r.correlation_id,
        responsible=Responsible.model_validate(r.responsible), status=r.status, card=r.card,
        due_at=r.due_at, round=r.round, hops=r.hops)


_INSERT = (
    f"INSERT INTO {{s}}.deadlines ({_COLUMNS}, {_DERIVED}) VALUES (:deadline_id, :kind, "
    ":subject_type, :subject_id, :unit_id, CAST(:responsible AS jsonb), :status, :card, "
    "CAST(:state AS jsonb), CAST(:schedule AS jsonb), :due_at, :round, :hops, "
    ":origin_event_id, :correlation_id, :next_fire_at, :provisional, :provisional_years, "
    ":calendar_version, :rule_version) ON CONFLICT (deadline_id) DO NOTHING RETURNING 1")

# Many rows in one statement: one array per column, unnest'ed back into rows. A row's
# provisional_years travels as an array literal ('{2026,2027}'): unnest cannot carry an array
# per row.
_TYPES = {"round": "integer", "hops": "integer", "due_at": "timestamptz",
          "next_fire_at": "timestamptz", "origin_event_id": "uuid", "correlation_id": "uuid",
          "provisional": "boolean"}
_ARRAYS = tuple((name, _TYPES.get(name, "text")) for name in _PARAMS)
_INSERT_MANY = (
    f"INSERT INTO {{s}}.deadlines ({_COLUMNS}, {_DERIVED}) SELECT deadline_id, kind, "
    "subject_type, subject_id, unit_id, CAST(responsible AS jsonb), status, card, "
    "CAST(state AS jsonb), CAST(schedule AS jsonb), due_at, round, hops, origin_event_id, "
    "correlation_id, next_fire_at, provisional, CAST(provisional_years AS integer[]), "
    "calendar_version, rule_version FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _ARRAYS)
    + ") AS x(" + ", ".join(name for name, _ in _ARRAYS) + ") "
    "ON CONFLICT (deadline_id) DO NOTHING RETURNING deadline_id")


async def insert(session: AsyncSession, schema: str, row: DeadlineRow) -> bool:
    """False when a deadline with this id exists already."""
    done = (await session.execute(_sql(_INSERT, schema), _params(row))).first()
    return done is not None


async def insert_many(session: AsyncSession, schema: str, rows: list[DeadlineRow]) -> set[str]:
    """One round trip for many new rows; returns the ids inserted (those that existed are not)."""
    if not rows:
        return set()
    arrays = dict(zip(_PARAMS, map(list, zip(*map(_values, rows)))))
    arrays["provisional_years"] = [_year_array(years) for years in arrays["provisional_years"]]
    return set((await session.execute(_sql(_INSERT_MANY, schema), arrays)).scalars())


@lru_cache(maxsize=64)
def _year_array(years: tuple[int, ...]) -> str:
    return "{" + ",".join(map(str, years)) + "}"


async def update(session: AsyncSession, schema: str, row: DeadlineRow) -> None:
    await update_many(session, schema, [row])


async def update_many(session: AsyncSession, schema: str, rows: list[DeadlineRow]) -> None:
    """One round trip for a whole poll batch (asyncpg executemany)."""
    if not rows:
        return
    await session.execute(_sql(_UPDATE, schema), [_params(r) for r in rows])


_UPDATE = (
    "UPDATE {s}.deadlines SET unit_id = :unit_id, responsible = "
    "CAST(:responsible AS jsonb), status = :status, card = :card, state = CAST(:state AS jsonb), "
    "schedule = CAST(:schedule AS jsonb), due_at = :due_at, next_fire_at = :next_fire_at, "
    "provisional = :provisional, provisional_years = :provisional_years, "
    "calendar_version = :calendar_version, rule_version = :rule_version, round = :round, "
    "hops = :hops, origin_event_id = :origin_event_id, correlation_id = :correlation_id, "
    "updated_at = now() WHERE deadline_id = :deadline_id")
# ORDER BY: rows locked in one order, whoever asks.
_GET_MANY = (f"SELECT {_COLUMNS} FROM {{s}}.deadlines WHERE deadline_id = ANY(:ids) "
             "ORDER BY deadline_id FOR UPDATE")


async def get_many_for_update(session: AsyncSession, schema: str,
                              deadline_ids: list[str]) -> dict[str, DeadlineRow]:
    """The rows of those ids that exist, locked, in one round trip."""
    rows = (await session.execute(_sql(_GET_MANY, schema), {"ids": deadline_ids})).all()
    return {r.deadline_id: _row(r) for r in rows}


async def claim_due(session: AsyncSession, schema: str, now: datetime, batch: int) -> list[DeadlineRow]:
    """Due rows, locked; rows another replica holds are skipped, not waited for. The partial
    index makes this a range scan over due rows only."""
    rows = (await session.execute(text(
        f'SELECT {_COLUMNS} FROM "{schema}".deadlines '
        "WHERE status = 'open' AND next_fire_at IS NOT NULL AND next_fire_at <= :now "
        "ORDER BY next_fire_at LIMIT :batch FOR UPDATE SKIP LOCKED"),
        {"now": now, "batch": batch})).all()
    return [_row(r) for r in rows]


async def open_provisional_for_year(session: AsyncSession, schema: str, year: int) -> list[DeadlineRow]:
    rows = (await session.execute(text(
        f'SELECT {_COLUMNS} FROM "{schema}".deadlines WHERE status = \'open\' AND provisional '
        "AND provisional_years @> ARRAY[CAST(:y AS integer)] ORDER BY deadline_id FOR UPDATE"),
        {"y": year})).all()
    return [_row(r) for r in rows]


async def save_calendar_year(session: AsyncSession, schema: str, year: int, data_hash: str,
                             payload: dict[str, Any], event_id: uuid.UUID) -> None:
    await session.execute(text(
        f'INSERT INTO "{schema}".calendar_years (year, data_hash, payload, event_id) '
        "VALUES (:y, :h, CAST(:p AS jsonb), :e) ON CONFLICT (year) DO UPDATE SET "
        "data_hash = EXCLUDED.data_hash, payload = EXCLUDED.payload, event_id = EXCLUDED.event_id, "
        "loaded_at = now()"),
        {"y": year, "h": data_hash, "p": json.dumps(payload, ensure_ascii=False), "e": event_id})


_TOKEN = ("SELECT coalesce(string_agg(year::text || '@' || data_hash, ',' ORDER BY year), '') "
          "FROM {s}.calendar_years")


async def calendar_token(session: AsyncSession, schema: str) -> str:
    """Which years (and data) are stored; a cheap query on a table of a few rows."""
    return (await session.execute(_sql(_TOKEN, schema))).scalar_one()


async def calendar_payloads(session: AsyncSession, schema: str) -> list[dict[str, Any]]:
    return list((await session.execute(text(
        f'SELECT payload FROM "{schema}".calendar_years ORDER BY year'))).scalars())


async def board(session: AsyncSession, schema: str, unit_id: str | None,
                limit: int = 200) -> list[dict[str, Any]]:
    """Open deadlines per unit with their card, most urgent first (operators' view)."""
    rows = (await session.execute(text(
        "SELECT deadline_id, kind, subject_id, unit_id, card, due_at, next_fire_at, provisional, "
        f'calendar_version, (next_fire_at IS NULL AND card <> \'red\') AS paused FROM "{schema}".deadlines '
        "WHERE status = 'open' AND (CAST(:u AS text) IS NULL OR unit_id = :u) "
        "ORDER BY unit_id, card = 'red' DESC, card = 'yellow' DESC, due_at LIMIT :n"),
        {"u": unit_id, "n": limit})).mappings().all()
    return [dict(r) for r in rows]


async def board_counts(session: AsyncSession, schema: str, unit_id: str | None) -> list[dict[str, Any]]:
    rows = (await session.execute(text(
        "SELECT unit_id, count(*) AS open, count(*) FILTER (WHERE card = 'yellow') AS yellow, "
        "count(*) FILTER (WHERE card = 'red') AS red, count(*) FILTER (WHERE provisional) "
        f'AS provisional FROM "{schema}".deadlines WHERE status = \'open\' '
        "AND (CAST(:u AS text) IS NULL OR unit_id = :u) GROUP BY unit_id ORDER BY unit_id"),
        {"u": unit_id})).mappings().all()
    return [dict(r) for r in rows]
