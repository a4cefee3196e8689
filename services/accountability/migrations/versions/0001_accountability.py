"""Accountability schema: roster projection, rule-book versions, the fault log, measures,
appeals, exemptions and scores."""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import JSONB

from shared.messaging.tables import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    s = context.config.attributes["schema"]
    create_messaging_tables(op, s)
    op.create_table(
        "rulebooks",
        sa.Column("version", sa.Text, primary_key=True),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=s)
    # Roster projection: only what accountability needs; no phone numbers or e-mail addresses.
    op.create_table(
        "units",
        sa.Column("unit_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        schema=s)
    op.create_table(
        "persons",
        sa.Column("person_id", sa.Text, primary_key=True),
        sa.Column("unit_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        schema=s)
    op.create_table(
        "appointments",
        sa.Column("person_id", sa.Text, primary_key=True),
        sa.Column("unit_id", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, primary_key=True),
        sa.Column("effective_from", sa.Date, primary_key=True),
        sa.Column("effective_to", sa.Date),
        schema=s)
    op.create_index("appointments_by_unit_role", "appointments", ["unit_id", "role"], schema=s)
    op.create_table(
        "exemptions",
        sa.Column("subject_id", sa.Text, primary_key=True),
        sa.Column("unit_id", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("event_id", sa.Uuid, nullable=False),
        schema=s)
    # The fault log: seq is the arrival order; replay reads it back in that order.
    op.create_table(
        "faults",
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column("fault_id", sa.Uuid, primary_key=True),
        sa.Column("subject_key", sa.Text, nullable=False, unique=True),
        sa.Column("subject_id", sa.Text, nullable=False),
        sa.Column("unit_id", sa.Text, nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("leader_id", sa.Text),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("source_event_id", sa.Uuid, nullable=False),
        sa.Column("correlation_id", sa.Uuid, nullable=False),
        schema=s)
    op.create_index("faults_by_unit_day", "faults", ["unit_id", "occurred_on"], schema=s)
    op.create_index("faults_by_subject", "faults", ["subject_id"], schema=s)
    op.create_table(
        "measures",
        sa.Column("measure_id", sa.Uuid, primary_key=True),
        sa.Column("fault_id", sa.Uuid, nullable=False),
        sa.Column("unit_id", sa.Text, nullable=False),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("superseded", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", JSONB, nullable=False),
        schema=s)
    op.create_index("measures_by_fault", "measures", ["fault_id"], schema=s)
    op.create_index("measures_by_unit_period", "measures", ["unit_id", "period"], schema=s)
    op.create_table(
        "appeals",
        sa.Column("appeal_id", sa.Text, primary_key=True),
        sa.Column("measure_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("body", JSONB, nullable=False),
        schema=s)
    op.create_table(
        "scores",
        sa.Column("unit_id", sa.Text, primary_key=True),
        sa.Column("period", sa.Text, primary_key=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("confirmed_score", sa.Integer, nullable=False),
        sa.Column("provisional", sa.Boolean, nullable=False),
        sa.Column("rulebook_version", sa.Text, nullable=False),
        schema=s)


def downgrade() -> None:
    s = context.config.attributes["schema"]
    for t in ("scores", "appeals", "measures", "faults", "exemptions", "appointments", "persons",
              "units", "rulebooks", "outbox", "inbox"):
        op.drop_table(t, schema=s)
