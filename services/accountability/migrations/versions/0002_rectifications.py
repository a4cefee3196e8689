"""Accountability: confirmed rectifications of 督办 measures (one per measure). A table of its
own rather than a field of the measure's body: measures are decided again from the fault log
(reconcile, replay) and would lose it; the report is an input, like an appeal."""
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    s = context.config.attributes["schema"]
    op.create_table(
        "rectifications",
        sa.Column("measure_id", sa.Uuid, primary_key=True),
        sa.Column("unit_id", sa.Text, nullable=False),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.Text, nullable=False),
        sa.Column("evidence", JSONB, nullable=False),
        sa.Column("confirmed_by", sa.Text, nullable=False),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        schema=s)


def downgrade() -> None:
    op.drop_table("rectifications", schema=context.config.attributes["schema"])
