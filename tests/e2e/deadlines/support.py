"""What the deadlines process tests share: a fresh namespace with the topics the service reads
and writes, and the matter acceptance that opens a clock."""

from __future__ import annotations

from datetime import datetime

from shared.envelope import Envelope
from shared.events.cases import MatterAccepted
from tests.support.infra import Infra
from tests.support.kafka import create_topics
from tests.support.processes import create_database, new_namespace

TOPICS = ("xn.roster", "xn.reports", "xn.matters", "xn.complaints", "xn.deadline-requests",
          "xn.calendar", "xn.deadlines", "xn.dead-letter")


async def namespace(infra: Infra) -> tuple[str, str, str]:
    """(database name, topic prefix, DSN): a fresh database and the service's topics."""
    db, prefix = new_namespace()
    dsn = await create_database(infra, db)
    await create_topics(infra.kafka_bootstrap, *(prefix + n for n in TOPICS))
    return db, prefix, dsn


def accepted(matter_id: str, when: datetime, days: int) -> Envelope:
    return Envelope.wrap(MatterAccepted(matter_id=matter_id, unit_id="JYJ", title="x",
                                        promised_working_days=days, accepted_at=when,
                                        handler_id="h"),
                         key=matter_id, occurred_at=when, producer="e2e")
