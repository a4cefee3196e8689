"""accountability: when a measure's rectification was first ordered (its clock requested from
deadlines). A rectification report is judged against it; `decided_at` moves with every revision
of the measure (an appeal ruling, a recount) and would refuse a genuine report dated between the
order and a later revision. Additive: a replica still on the old version leaves the column NULL
on the measures it inserts, and the new version reads a NULL as `decided_at` (StoredMeasure)."""
import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    s = context.config.attributes["schema"]
    op.add_column("measures", sa.Column("rectification_ordered_at", sa.DateTime(timezone=True),
                                        nullable=True), schema=s)
    # Existing measures that owe a rectification (a period, not revoked, still decided): the
    # best time we have is decided_at. It is the first order unless a revision has moved it
    # since; the true start is only in the deadlines service's own schema, out of our reach.
    # The others stay NULL: they run no clock.
    op.execute(
        f'UPDATE "{s}".measures SET rectification_ordered_at = decided_at '
        "WHERE NOT superseded AND status <> 'revoked' "
        "AND coalesce((body->>'rectification_working_days')::int, 0) > 0")


def downgrade() -> None:
    op.drop_column("measures", "rectification_ordered_at",
                   schema=context.config.attributes["schema"])
