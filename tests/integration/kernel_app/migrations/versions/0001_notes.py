"""A tiny schema for the kernel's own integration test."""
import sqlalchemy as sa
from alembic import context, op

from shared.messaging.tables import create_messaging_tables, unstamped_outbox

revision = "0001"
down_revision = None


def upgrade() -> None:
    schema = context.config.attributes["schema"]
    create_messaging_tables(op, schema)
    unstamped_outbox(op, schema)  # the outbox as the services have it now
    op.create_table("notes", sa.Column("note_id", sa.Text, primary_key=True),
                    sa.Column("text", sa.Text, nullable=False), schema=schema)


def downgrade() -> None:
    pass
