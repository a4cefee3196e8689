"""SQL for intake's own tables: the roster it validates references against and the state of
each case (matter, complaint, …) that its rules need. Rows are locked FOR UPDATE when read for a
change, so two concurrent requests on one matter are applied one after the other."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.domain.complaints import Complaint
from services.intake.domain.matters import Matter
from services.intake.domain.roster import Appointment
from shared.events.vocab import ComplaintCategory, Role


@lru_cache(maxsize=512)
def statement(template: str, schema: str) -> TextClause:
    """Statements are built once per schema: parsing a text() costs as much as a round trip."""
    return text(template.format(s=f'"{schema}"'))


MATTERS = ("SELECT matter_id, unit_id, handler_id, reviewer_id, approver_id, accepted_at, status, "
           "supplement_requests, first_request_event_id FROM {s}.matters ")
PUT_MATTER = (
    "INSERT INTO {s}.matters (matter_id, unit_id, handler_id, reviewer_id, approver_id, "
    "accepted_at, status, supplement_requests, first_request_event_id) VALUES "
    "(:matter_id, :unit_id, :handler_id, :reviewer_id, :approver_id, :accepted_at, "
    ":status, :supplement_requests, :first_request_event_id) ON CONFLICT (matter_id) "
    "DO UPDATE SET status = :status, supplement_requests = :supplement_requests, "
    "first_request_event_id = :first_request_event_id, updated_at = now()")
COMPLAINTS = ("SELECT complaint_id, target_unit_id, handling_unit_id, category, dispatched_at, "
              "status, hops FROM {s}.complaints ")
PUT_COMPLAINT = (
    "INSERT INTO {s}.complaints (complaint_id, target_unit_id, handling_unit_id, "
    "category, dispatched_at, status, hops) VALUES (:complaint_id, :target_unit_id, "
    ":handling_unit_id, :category, :dispatched_at, :status, :hops) ON CONFLICT "
    "(complaint_id) DO UPDATE SET handling_unit_id = :handling_unit_id, "
    "dispatched_at = :dispatched_at, status = :status, hops = :hops, updated_at = now()")


def _columns(row: Matter | Complaint) -> dict[str, Any]:
    # Not dataclasses.asdict: it deep-copies every value, datetimes included (7 % of intake's
    # CPU under load, py-spy); these rows are flat and only read.
    return {f.name: getattr(row, f.name) for f in fields(row)}


def matter_row(m: Matter) -> dict[str, Any]:
    return _columns(m)


def complaint_row(x: Complaint) -> dict[str, Any]:
    return {**_columns(x), "category": x.category.value}


def complaint_of(r) -> Complaint:
    return Complaint(**{**r._mapping, "category": ComplaintCategory(r.category)})


def claim_sql(table: str, names: list[str]) -> str:
    return (f"INSERT INTO {{s}}.{table} ({', '.join(names)}) VALUES "
            f"({', '.join(':' + n for n in names)})")


class Store:
    def __init__(self, session: AsyncSession, schema: str) -> None:
        self.session, self.s = session, schema

    async def _one(self, sql: str, **params: Any):
        return (await self.session.execute(statement(sql, self.s), params)).first()

    async def _all(self, sql: str, **params: Any):
        return (await self.session.execute(statement(sql, self.s), params)).all()

    async def _exec(self, sql: str, **params: Any) -> None:
        await self.session.execute(statement(sql, self.s), params)

    # --- roster -------------------------------------------------------------------------
    async def unit(self, unit_id: str) -> dict | None:
        r = await self._one("SELECT unit_id, name, kind, level, active FROM {s}.units "
                            "WHERE unit_id = :u", u=unit_id)
        return dict(r._mapping) if r else None

    async def active_unit_ids(self) -> list[str]:
        rows = await self._all("SELECT unit_id FROM {s}.units WHERE active ORDER BY unit_id")
        return [r.unit_id for r in rows]

    async def put_unit(self, u: dict) -> None:
        await self._exec(
            "INSERT INTO {s}.units (unit_id, name, kind, level, active) VALUES "
            "(:unit_id, :name, :kind, :level, :active) ON CONFLICT (unit_id) DO UPDATE SET "
            "name = :name, kind = :kind, level = :level, active = :active, updated_at = now()", **u)

    async def person(self, person_id: str) -> dict | None:
        r = await self._one("SELECT person_id, name, unit_id, phone, email FROM {s}.people "
                            "WHERE person_id = :p", p=person_id)
        return dict(r._mapping) if r else None

    async def put_person(self, p: dict) -> None:
        await self._exec(
            "INSERT INTO {s}.people (person_id, name, unit_id, phone, email) VALUES "
            "(:person_id, :name, :unit_id, :phone, :email) ON CONFLICT (person_id) DO UPDATE SET "
            "name = :name, unit_id = :unit_id, phone = :phone, email = :email, "
            "updated_at = now()", **p)

    async def appointments(self, unit_id: str) -> list[Appointment]:
        rows = await self._all("SELECT person_id, unit_id, role, effective_from, effective_to "
                               "FROM {s}.appointments WHERE unit_id = :u", u=unit_id)
        return [Appointment(r.person_id, r.unit_id, Role(r.role), r.effective_from,
                            r.effective_to) for r in rows]

    async def put_appointment(self, a: Appointment) -> bool:
        """Returns False when the same appointment is already on record unchanged."""
        old = await self._one(
            "SELECT effective_to FROM {s}.appointments WHERE person_id = :p AND unit_id = :u "
            "AND role = :r AND effective_from = :f", p=a.person_id, u=a.unit_id, r=a.role.value,
            f=a.effective_from)
        if old is not None and old.effective_to == a.effective_to:
            return False
        await self._exec(
            "INSERT INTO {s}.appointments (person_id, unit_id, role, effective_from, "
            "effective_to) VALUES (:p, :u, :r, :f, :t) ON CONFLICT (person_id, unit_id, role, "
            "effective_from) DO UPDATE SET effective_to = :t, updated_at = now()",
            p=a.person_id, u=a.unit_id, r=a.role.value, f=a.effective_from, t=a.effective_to)
        return True

    async def leaders_on(self, unit_id: str, day: date) -> list[str]:
        from services.intake.domain.roster import holders
        return holders(await self.appointments(unit_id), unit_id, Role.leader, day)

    async def campaign(self, campaign_id: str) -> dict | None:
        r = await self._one("SELECT body FROM {s}.campaigns WHERE campaign_id = :c",
                            c=campaign_id)
        return (json.loads(r.body) if isinstance(r.body, str) else r.body) if r else None

    async def put_campaign(self, campaign_id: str, body: dict) -> None:
        await self._exec(
            "INSERT INTO {s}.campaigns (campaign_id, body) VALUES (:c, CAST(:b AS json)) "
            "ON CONFLICT (campaign_id) DO UPDATE SET body = CAST(:b AS json), updated_at = now()",
            c=campaign_id, b=json.dumps(body, ensure_ascii=False))

    # --- cases ----------------------------------------------------------------------------
    async def matter(self, matter_id: str) -> Matter | None:
        r = await self._one(MATTERS + "WHERE matter_id = :m FOR UPDATE", m=matter_id)
        return Matter(**r._mapping) if r else None

    async def put_matter(self, m: Matter) -> None:
        await self._exec(PUT_MATTER, **matter_row(m))

    async def complaint(self, complaint_id: str) -> Complaint | None:
        r = await self._one(COMPLAINTS + "WHERE complaint_id = :c FOR UPDATE", c=complaint_id)
        return complaint_of(r) if r else None

    async def put_complaint(self, x: Complaint) -> None:
        await self._exec(PUT_COMPLAINT, **complaint_row(x))

    async def claim_id(self, table: str, key_col: str, key: str, **cols: Any) -> bool:
        """Insert a row keyed by a case id; False when that id is already on record."""
        sql = claim_sql(table, [key_col, *cols]) + " ON CONFLICT DO NOTHING RETURNING 1"
        return await self._one(sql, **{key_col: key, **cols}) is not None

    async def appeal(self, appeal_id: str) -> dict | None:
        r = await self._one("SELECT appeal_id, measure_id, person_id, status FROM {s}.appeals "
                            "WHERE appeal_id = :a FOR UPDATE", a=appeal_id)
        return dict(r._mapping) if r else None

    async def set_appeal_status(self, appeal_id: str, status: str) -> None:
        await self._exec("UPDATE {s}.appeals SET status = :st, updated_at = now() "
                         "WHERE appeal_id = :a", a=appeal_id, st=status)
