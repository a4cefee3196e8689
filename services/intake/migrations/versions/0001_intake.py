"""Intake: messaging tables, the roster it validates references against, case state, the
idempotency store, API keys and seen signatures."""
import sqlalchemy as sa
from alembic import context, op

from shared.messaging.tables import create_messaging_tables

revision = "0001"
down_revision = None

TS = sa.DateTime(timezone=True)


def _now():
    return sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    s = context.config.attributes["schema"]
    create_messaging_tables(op, s)
    op.create_table("units", sa.Column("unit_id", sa.Text, primary_key=True),
                    sa.Column("name", sa.Text, nullable=False),
                    sa.Column("kind", sa.Text, nullable=False),
                    sa.Column("level", sa.Text, nullable=False),
                    sa.Column("active", sa.Boolean, nullable=False), _now(), schema=s)
    op.create_table("people", sa.Column("person_id", sa.Text, primary_key=True),
                    sa.Column("name", sa.Text, nullable=False),
                    sa.Column("unit_id", sa.Text, nullable=False),
                    sa.Column("phone", sa.Text), sa.Column("email", sa.Text), _now(), schema=s)
    op.create_table("appointments", sa.Column("person_id", sa.Text, primary_key=True),
                    sa.Column("unit_id", sa.Text, primary_key=True),
                    sa.Column("role", sa.Text, primary_key=True),
                    sa.Column("effective_from", sa.Date, primary_key=True),
                    sa.Column("effective_to", sa.Date), _now(), schema=s)
    op.create_index("appointments_by_unit", "appointments", ["unit_id", "role"], schema=s)
    op.create_table("campaigns", sa.Column("campaign_id", sa.Text, primary_key=True),
                    sa.Column("body", sa.JSON, nullable=False), _now(), schema=s)
    op.create_table("reports", sa.Column("submission_id", sa.Text, primary_key=True),
                    sa.Column("unit_id", sa.Text, nullable=False),
                    sa.Column("campaign_id", sa.Text, nullable=False),
                    sa.Column("report_kind", sa.Text, nullable=False), _now(), schema=s)
    op.create_table("matters", sa.Column("matter_id", sa.Text, primary_key=True),
                    sa.Column("unit_id", sa.Text, nullable=False),
                    sa.Column("handler_id", sa.Text, nullable=False),
                    sa.Column("reviewer_id", sa.Text), sa.Column("approver_id", sa.Text),
                    sa.Column("accepted_at", TS, nullable=False),
                    sa.Column("status", sa.Text, nullable=False),
                    sa.Column("supplement_requests", sa.Integer, nullable=False),
                    sa.Column("first_request_event_id", sa.Text), _now(), schema=s)
    op.create_table("complaints", sa.Column("complaint_id", sa.Text, primary_key=True),
                    sa.Column("target_unit_id", sa.Text, nullable=False),
                    sa.Column("handling_unit_id", sa.Text, nullable=False),
                    sa.Column("category", sa.Text, nullable=False),
                    sa.Column("dispatched_at", TS, nullable=False),
                    sa.Column("status", sa.Text, nullable=False),
                    sa.Column("hops", sa.Integer, nullable=False), _now(), schema=s)
    op.create_table("findings", sa.Column("finding_id", sa.Text, primary_key=True),
                    sa.Column("unit_id", sa.Text, nullable=False), _now(), schema=s)
    op.create_table("appeals", sa.Column("appeal_id", sa.Text, primary_key=True),
                    sa.Column("measure_id", sa.Text, nullable=False),
                    sa.Column("person_id", sa.Text, nullable=False),
                    sa.Column("status", sa.Text, nullable=False), _now(), schema=s)
    op.create_table("exemptions", sa.Column("subject_id", sa.Text, primary_key=True),
                    sa.Column("unit_id", sa.Text, nullable=False), _now(), schema=s)
    # One row per (calling system, idempotency key): the stored answer to a repeated request.
    op.create_table("requests", sa.Column("source", sa.Text, primary_key=True),
                    sa.Column("request_key", sa.Text, primary_key=True),
                    sa.Column("fingerprint", sa.Text, nullable=False),
                    sa.Column("status", sa.Integer, nullable=False),
                    sa.Column("response", sa.JSON, nullable=False),
                    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
                    schema=s)
    op.create_table("api_keys", sa.Column("key_id", sa.Text, primary_key=True),
                    sa.Column("system", sa.Text, nullable=False),
                    sa.Column("key_hash", sa.Text, nullable=False),
                    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
                    sa.Column("require_signature", sa.Boolean, nullable=False,
                              server_default=sa.false()),
                    sa.Column("revoked_at", TS), schema=s)
    op.create_table("seen_signatures", sa.Column("key_id", sa.Text, primary_key=True),
                    sa.Column("signature", sa.Text, primary_key=True),
                    sa.Column("seen_at", TS, nullable=False, server_default=sa.func.now()),
                    schema=s)


def downgrade() -> None:
    pass
