"""SQLModel/SQLAlchemy on asyncpg. Each service owns one PostgreSQL schema."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(dsn: str, pool_size: int = 5) -> AsyncEngine:
    # No ping before each use (a round trip per transaction: ~7 % of notify's event loop under
    # load). After a PostgreSQL restart the first use of a dead pooled connection fails; the
    # pool then drops every connection older than the failure, and the caller retries as it
    # does for any outage: consumers redo the batch (is_infrastructure_error), relays and the
    # sender retry their round, the HTTP door answers 503 (nothing recorded, retry).
    return create_async_engine(dsn, pool_size=pool_size, max_overflow=pool_size,
                               pool_pre_ping=False, pool_recycle=1800)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
