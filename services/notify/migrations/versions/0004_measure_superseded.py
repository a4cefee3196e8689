"""notify: remember whether the measure last recorded was withdrawn (superseded), so a measure
that is decided again later is told as a new decision, not as a change of the withdrawn one.
Rows from before this revision count as not withdrawn: notify did not tell withdrawals then."""
import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("measures", sa.Column("superseded", sa.Boolean, nullable=False,
                                        server_default=sa.false()),
                  schema=context.config.attributes["schema"])


def downgrade() -> None:
    op.drop_column("measures", "superseded", schema=context.config.attributes["schema"])
