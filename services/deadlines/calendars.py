"""The calendar the deadlines service counts with: the shipped directory (drafts skipped) plus
every year the office loaded (`calendar.year_loaded`, stored in calendar_years).

Each replica keeps its WorkCalendar in memory but checks a cheap token of the stored years in
every transaction that computes: the replica that consumed the event and its siblings (which did
not — one consumer group) all switch to the new year without a restart."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.deadlines import store
from shared.logs import get_logger
from shared.workdays import CalendarKeeper, WorkCalendar

log = get_logger(__name__)


class CalendarProvider:
    def __init__(self, schema: str, base: WorkCalendar) -> None:
        self._schema, self._base = schema, base
        self._token: str | None = None
        self._keeper = CalendarKeeper(base)

    @classmethod
    def from_directory(cls, schema: str, directory: str | Path) -> CalendarProvider:
        base = WorkCalendar.from_directory(directory)
        for draft in base.skipped_drafts:
            log.warning("calendar draft skipped: not used until reviewed and loaded", file=draft)
        return cls(schema, base)

    async def current(self, session: AsyncSession) -> WorkCalendar:
        token = await store.calendar_token(session, self._schema)
        if token != self._token:
            payloads = await store.calendar_payloads(session, self._schema)
            self._keeper = CalendarKeeper.from_payloads(self._base, payloads)
            self._token = token
            cal = self._keeper.calendar
            log.info("working-day calendar in use", calendar_version=cal.version)
        return self._keeper.calendar
