"""SQLModel/SQLAlchemy on asyncpg. Each service owns one PostgreSQL schema."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(dsn: str, pool_size: int = 5) -> AsyncEngine:
    # pool_pre_ping: after a PostgreSQL restart the pool would otherwise hand out dead
    # connections and the first transaction of each would fail.
    return create_async_engine(dsn, pool_size=pool_size, max_overflow=pool_size,
                               pool_pre_ping=True, pool_recycle=1800)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
