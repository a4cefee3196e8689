"""Inbox and outbox tables, one pair in each service's schema.

inbox: (consumer, event_id) of every event a handler has applied; the insert happens in the
handler's transaction, so a redelivered event finds its row and changes nothing.
outbox: events to publish, written in the same transaction as the state change that caused
them; the relay publishes them and deletes them (`unstamped_outbox`, each service's later
migration: the first one created the stamped form below)."""

from __future__ import annotations

import sqlalchemy as sa


def create_messaging_tables(op, schema: str) -> None:
    """Call from a service's first Alembic migration (the tables as first released)."""
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=schema,
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        schema=schema,
    )
    # The relay only ever looks at unpublished rows: keep that scan independent of history.
    op.create_index("outbox_unpublished", "outbox", ["id"], schema=schema,
                    postgresql_where=sa.text("published_at IS NULL"))


def unstamped_outbox(op, schema: str) -> None:
    """The relay deletes what it published instead of stamping published_at: a stamp wrote a
    second row version with two new index entries per event, and a purge deleted the row a day
    later all the same. What was published lives on the broker."""
    op.execute(f'DELETE FROM "{schema}".outbox WHERE published_at IS NOT NULL')
    op.drop_index("outbox_unpublished", table_name="outbox", schema=schema)
    op.drop_column("outbox", "published_at", schema=schema)


def stamped_outbox(op, schema: str) -> None:
    """Downgrade of `unstamped_outbox`: every row left is unpublished."""
    op.add_column("outbox", sa.Column("published_at", sa.DateTime(timezone=True)), schema=schema)
    op.create_index("outbox_unpublished", "outbox", ["id"], schema=schema,
                    postgresql_where=sa.text("published_at IS NULL"))


def drop_messaging_tables(op, schema: str) -> None:
    op.drop_table("outbox", schema=schema)
    op.drop_table("inbox", schema=schema)
