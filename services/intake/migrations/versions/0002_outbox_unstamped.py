"""intake: the outbox relay deletes the rows it published instead of stamping them
(shared/messaging/tables.py)."""
from alembic import context, op

from shared.messaging.tables import stamped_outbox, unstamped_outbox

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    unstamped_outbox(op, context.config.attributes["schema"])


def downgrade() -> None:
    stamped_outbox(op, context.config.attributes["schema"])
