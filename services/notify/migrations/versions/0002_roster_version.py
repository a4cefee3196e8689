"""notify: a token that changes with every roster write, so each replica's in-memory copy of the
roster (directory.py) can tell in one read per transaction whether it is still current."""
import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    s = context.config.attributes["schema"]
    # One row. A random token, not a counter: a rolled-back write must never reappear as the
    # value another replica's committed write later produces.
    op.create_table("roster_version", sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("token", sa.Uuid, nullable=False), schema=s)
    op.execute(f'INSERT INTO "{s}".roster_version (id, token) VALUES (1, gen_random_uuid())')


def downgrade() -> None:
    op.drop_table("roster_version", schema=context.config.attributes["schema"])
