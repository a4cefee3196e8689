"""notify: inbox/outbox, roster and complaint projections, the delivery log (notices + attempts)."""
import sqlalchemy as sa
from alembic import context, op

from shared.messaging.tables import create_messaging_tables

revision = "0001"
down_revision = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    s = context.config.attributes["schema"]
    create_messaging_tables(op, s)
    # Roster projection: "a person's channels and addresses come from the roster as of today".
    op.create_table("units", sa.Column("unit_id", sa.Text, primary_key=True),
                    sa.Column("name", sa.Text, nullable=False),
                    sa.Column("active", sa.Boolean, nullable=False), schema=s)
    op.create_table("people", sa.Column("person_id", sa.Text, primary_key=True),
                    sa.Column("name", sa.Text, nullable=False),
                    sa.Column("unit_id", sa.Text, nullable=False),
                    sa.Column("phone", sa.Text), sa.Column("email", sa.Text), schema=s)
    op.create_table("appointments", sa.Column("person_id", sa.Text, primary_key=True),
                    sa.Column("unit_id", sa.Text, primary_key=True),
                    sa.Column("role", sa.Text, primary_key=True),
                    sa.Column("effective_from", sa.Date, primary_key=True),
                    sa.Column("effective_to", sa.Date), schema=s)
    op.create_index("appointments_by_unit_role", "appointments", ["unit_id", "role"], schema=s)
    # Complainants' contacts arrive once, with complaint.filed; the result needs them later.
    op.create_table("complaints", sa.Column("complaint_id", sa.Text, primary_key=True),
                    sa.Column("name", sa.Text, nullable=False),
                    sa.Column("phone", sa.Text), sa.Column("email", sa.Text),
                    sa.Column("routed_to", sa.Text, nullable=False), schema=s)
    # Measures, for the appeal outcome (appeal.ruled names only the measure id).
    op.create_table("measures", sa.Column("measure_id", sa.Text, primary_key=True),
                    sa.Column("measure", sa.Text, nullable=False),
                    sa.Column("revision", sa.Integer, nullable=False), schema=s)

    op.create_table(
        "notices",
        sa.Column("notice_id", sa.Text, primary_key=True),
        sa.Column("source_event_id", sa.Uuid, nullable=False),
        sa.Column("source_event_type", sa.Text, nullable=False),
        sa.Column("correlation_id", sa.Uuid, nullable=False),
        sa.Column("unit_id", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("recipient_id", sa.Text, nullable=False),
        sa.Column("recipient_role", sa.Text, nullable=False),
        sa.Column("recipient_name", sa.Text),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("address", sa.Text),  # personal data: shown masked by the CLI and API
        sa.Column("fallback", sa.JSON, nullable=False),  # [{channel, address}] if this fails
        sa.Column("fallback_of", sa.Text),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("context", sa.JSON, nullable=False),  # to render a fallback on another channel
        sa.Column("subject", sa.Text), sa.Column("body_text", sa.Text),
        sa.Column("body_html", sa.Text),
        sa.Column("status", sa.Text, nullable=False),  # pending | sent | failed
        sa.Column("not_before", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lease_until", TS), sa.Column("claim_token", sa.Uuid),
        sa.Column("claimed_by", sa.Text),
        sa.Column("last_reason", sa.Text), sa.Column("permanent", sa.Boolean),
        sa.Column("provider_message_id", sa.Text),
        sa.Column("created_at", TS, nullable=False), sa.Column("finished_at", TS),
        sa.UniqueConstraint("source_event_id", "recipient_id", "channel",
                            name="one_notice_per_event_recipient_channel"),
        schema=s,
    )
    # The sender's claim query scans only pending rows in due order.
    op.create_index("notices_due", "notices", ["not_before"], schema=s,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("notices_failed", "notices", ["finished_at"], schema=s,
                    postgresql_where=sa.text("status = 'failed'"))
    op.create_table(
        "attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("notice_id", sa.Text, nullable=False),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("started_at", TS, nullable=False), sa.Column("recorded_at", TS, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),  # sent | transient_failure | permanent_failure
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("provider_message_id", sa.Text),
        sa.Column("lease_lost", sa.Boolean, nullable=False, server_default=sa.false()),
        schema=s,
    )
    op.create_index("attempts_by_notice", "attempts", ["notice_id", "id"], schema=s)


def downgrade() -> None:
    s = context.config.attributes["schema"]
    for table in ("attempts", "notices", "measures", "complaints", "appointments", "people",
                  "units"):
        op.drop_table(table, schema=s)
