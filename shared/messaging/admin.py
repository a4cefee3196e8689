"""Creates the system's topics before anyone produces to them, so no service starts against a
topic the broker would auto-create with defaults (or, where auto-creation is off, not at all)."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.logs import get_logger

log = get_logger(__name__)


async def ensure_topics(bootstrap: str, names: tuple[str, ...], partitions: int,
                        replication: int = 1) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="xn-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            try:
                await admin.create_topics([NewTopic(n, partitions, replication) for n in missing])
            except TopicAlreadyExistsError:  # another service created them first
                pass
            log.info("topics created", topics=missing, partitions=partitions)
        return missing
    finally:
        await admin.close()
