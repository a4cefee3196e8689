"""Rule-book versions live in the database, so `cli rulebook load` puts a new version in force
for a running service without a restart: every decision asks which version is in force on the
fault's date. A version is immutable once stored, so parsed books are cached forever."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import RuleBook, RuleBookError, parse_rulebook


def _sha(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


async def store_rulebook(session: AsyncSession, schema: str, body: str) -> tuple[RuleBook, bool]:
    """Validate and store a version; (book, True) if new, (book, False) if already stored.
    Raises RuleBookError (nothing stored) for an invalid book or an edited version."""
    book = parse_rulebook(body)  # every problem at once, before anything is touched
    known = (await session.execute(text(
        f'SELECT sha256 FROM "{schema}".rulebooks WHERE version = :v'), {"v": book.version})).first()
    if known is not None:
        if known.sha256 != _sha(body):
            raise RuleBookError(
                [f"version {book.version!r} is already stored with different content; publish a "
                 "new version instead of editing one in force"], book.version)
        return book, False
    await session.execute(text(
        f'INSERT INTO "{schema}".rulebooks (version, effective_from, text, sha256) '
        "VALUES (:v, :e, :t, :s)"),
        {"v": book.version, "e": book.effective_from, "t": body, "s": _sha(body)})
    return book, True


async def list_rulebooks(session: AsyncSession, schema: str) -> list[tuple[str, date, str]]:
    rows = await session.execute(text(
        f'SELECT version, effective_from, loaded_at FROM "{schema}".rulebooks '
        'ORDER BY effective_from, version COLLATE "C"'))
    return [(r.version, r.effective_from, r.loaded_at.isoformat()) for r in rows]


class RuleBookCache:
    def __init__(self) -> None:
        self._books: dict[str, RuleBook] = {}

    async def get(self, session: AsyncSession, schema: str, version: str) -> RuleBook:
        if version not in self._books:
            row = (await session.execute(text(
                f'SELECT text FROM "{schema}".rulebooks WHERE version = :v'), {"v": version})).first()
            if row is None:
                raise LookupError(f"rule book version {version!r} is not stored")
            self._books[version] = parse_rulebook(row.text)
        return self._books[version]

    async def in_force_on(self, session: AsyncSession, schema: str, day: date) -> RuleBook:
        """The version with the latest effective_from on or before `day` (ties: later version),
        the same order as RuleBookRegistry.in_force_on."""
        version = (await session.execute(text(
            f'SELECT version FROM "{schema}".rulebooks WHERE effective_from <= :d '
            'ORDER BY effective_from DESC, version COLLATE "C" DESC LIMIT 1'), {"d": day})).scalar()
        if version is None:
            raise LookupError(f"no rule book is in force on {day.isoformat()}")
        return await self.get(session, schema, version)

    async def snapshot(self, session: AsyncSession, schema: str) -> "BookChooser":
        """All stored versions in one query (texts only for versions not parsed yet): decisions
        in one transaction then pick a book per fault date without further round trips."""
        rows = (await session.execute(text(
            f'SELECT version, effective_from FROM "{schema}".rulebooks'))).all()
        for version in [r.version for r in rows if r.version not in self._books]:
            await self.get(session, schema, version)
        return BookChooser([self._books[r.version] for r in rows])

    async def any_stored(self, session: AsyncSession, schema: str) -> bool:
        return (await session.execute(text(f'SELECT 1 FROM "{schema}".rulebooks LIMIT 1'))).first() is not None

    async def latest(self, session: AsyncSession, schema: str) -> RuleBook:
        return await self.in_force_on(session, schema, date.max)


class RuleBookNotLoaded(TimeoutError):
    """No rule book stored yet (the service is starting): like a database outage, the pipeline
    retries until it ends instead of dead-lettering good events."""


class BookChooser:
    def __init__(self, books: list[RuleBook]) -> None:
        # Same order as RuleBookRegistry: latest effective_from, then the later version.
        self._books = sorted(books, key=lambda b: (b.effective_from, b.version), reverse=True)

    @property
    def books(self) -> list[RuleBook]:
        return list(self._books)

    def __bool__(self) -> bool:
        return bool(self._books)

    def on(self, day: date) -> RuleBook:
        for book in self._books:
            if book.effective_from <= day:
                return book
        raise LookupError(f"no rule book is in force on {day.isoformat()}")
