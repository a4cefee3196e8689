"""accountability: how many times a measure was ordered to rectify. A measure whose order was
withdrawn (e.g. a recount made it 效能告诫) and given again (the recount undone) asks deadlines for
a new round of its clock; the request's event id carries this number, or deadlines would drop it
as the first request redelivered. `rectification_ordered_at` now holds the start of the latest
order (the round that runs), not the first.

Additive: a replica still on the old version leaves 0 on the measures it inserts and keeps the
number of those it updates; the new version reads 0 with an order time as one order
(StoredMeasure.order)."""
import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    s = context.config.attributes["schema"]
    op.add_column("measures", sa.Column("rectification_orders", sa.Integer, nullable=False,
                                        server_default="0"), schema=s)
    # Ordered so far: once, as far as this schema can tell. A measure withdrawn and ordered
    # again before this version had its second request dropped by deadlines (same event id), so
    # its one clock round is still the first.
    op.execute(f'UPDATE "{s}".measures SET rectification_orders = 1 '
               "WHERE rectification_ordered_at IS NOT NULL")


def downgrade() -> None:
    op.drop_column("measures", "rectification_orders",
                   schema=context.config.attributes["schema"])
