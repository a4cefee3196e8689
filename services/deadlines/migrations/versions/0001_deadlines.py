"""Deadlines: messaging tables, the deadlines themselves (durable timers) and loaded calendar
years.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from shared.messaging.tables import create_messaging_tables

revision = "0001"
down_revision = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    s = context.config.attributes["schema"]
    create_messaging_tables(op, s)
    op.create_table(
        "deadlines",
        sa.Column("deadline_id", sa.Text, primary_key=True),  # kind:subject_id
        sa.Column("kind", sa.Text, nullable=False),  # rule kind (deadline_kinds.yaml)
        sa.Column("subject_type", sa.Text, nullable=False),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("unit_id", sa.Text, nullable=False),
        sa.Column("responsible", JSONB, nullable=False),
        # open | met | missed (closed late) | lapsed (a window ran out) | cancelled | returned
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("card", sa.Text, nullable=False),  # none | yellow | red
        sa.Column("state", JSONB, nullable=False),  # domain DeadlineState
        sa.Column("schedule", JSONB, nullable=False),  # domain Schedule
        sa.Column("due_at", TS),  # last known due instant (kept while paused)
        # Earliest pending action (next yellow card or the red card); NULL = nothing to fire.
        sa.Column("next_fire_at", TS),
        sa.Column("provisional", sa.Boolean, nullable=False),
        sa.Column("provisional_years", ARRAY(sa.Integer), nullable=False),
        sa.Column("calendar_version", sa.Text, nullable=False),
        sa.Column("rule_version", sa.Text, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),  # +1 per redispatch / reopen
        sa.Column("hops", sa.Integer, nullable=False),  # 退单 hops of a complaint
        # The originating event: cards fired later by the poller are caused by it.
        sa.Column("origin_event_id", sa.Uuid, nullable=False),
        sa.Column("correlation_id", sa.Uuid, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        schema=s,
    )
    # The poller's range scan: its cost depends on the due rows, not on the open ones.
    op.create_index("deadlines_due", "deadlines", ["next_fire_at"], schema=s,
                    postgresql_where=sa.text("status = 'open' AND next_fire_at IS NOT NULL"))
    op.create_index("deadlines_unit_open", "deadlines", ["unit_id"], schema=s,
                    postgresql_where=sa.text("status = 'open'"))
    op.create_index("deadlines_provisional", "deadlines", ["provisional_years"], schema=s,
                    postgresql_using="gin",
                    postgresql_where=sa.text("status = 'open' AND provisional"))
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("data_hash", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),  # the CalendarYearLoaded payload
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("loaded_at", TS, nullable=False, server_default=sa.func.now()),
        schema=s,
    )


def downgrade() -> None:
    pass
