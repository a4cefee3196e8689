"""Alembic, driven from code: each service keeps its migrations in `services/<name>/migrations`
with its version table inside its own schema, and applies them at start-up (`upgrade`) or with
`python -m shared.migrations <service>`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parent.parent


def migrations_dir(service: str) -> Path:
    return ROOT / "services" / service / "migrations"


def alembic_config(script_location: Path, schema: str, dsn: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", dsn.replace("%", "%%"))
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(script_location: Path, schema: str, dsn: str, revision: str = "head") -> None:
    """Apply migrations (blocking; call before the event loop starts or in a thread)."""
    command.upgrade(alembic_config(script_location, schema, dsn), revision)


async def upgrade_async(script_location: Path, schema: str, dsn: str) -> None:
    await asyncio.to_thread(upgrade, script_location, schema, dsn)


def run_env(target_metadata: MetaData | None = None) -> None:
    """Body of every service's migrations/env.py (online mode, asyncpg)."""
    cfg = context.config
    schema = cfg.attributes["schema"]

    def do_run(connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(cfg.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
        async with engine.connect() as conn:
            # The version table lives in the schema, so the schema must exist first.
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            await conn.commit()
            await conn.run_sync(do_run)
            await conn.commit()
        await engine.dispose()

    asyncio.run(run())


if __name__ == "__main__":  # python -m shared.migrations <service> [schema]
    import os

    svc = sys.argv[1]
    upgrade(migrations_dir(svc), sys.argv[2] if len(sys.argv) > 2 else svc,
            os.environ.get("XN_DATABASE_URL", "postgresql+asyncpg://xiaoneng:xiaoneng@127.0.0.1:5432/xiaoneng"))
    print(f"{svc}: migrated to head")
