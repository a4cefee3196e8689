"""Where the tests find a real Kafka broker and PostgreSQL.

1. XN_KAFKA_BOOTSTRAP / XN_TEST_DATABASE_URL (set by `deploy/infra.sh up`, which also writes
   .infra/env; that file is read when the variables are absent);
2. otherwise, where a Docker engine answers, testcontainers starts them;
3. otherwise the integration tests cannot run: under CI=true that is a failure, never a skip."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    database_url: str


def _read_env_file() -> dict[str, str]:
    env_file = ROOT / ".infra" / "env"
    out: dict[str, str] = {}
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export "):].split("=", 1)
                out[k] = shlex.split(v)[0] if v else ""
    return out


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


def _from_testcontainers() -> tuple[Infra, list]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    pg = PostgresContainer("postgres:15", driver="asyncpg").start()
    kafka = KafkaContainer().with_kraft().start()
    return Infra(kafka.get_bootstrap_server(), pg.get_connection_url()), [kafka, pg]


def locate() -> tuple[Infra | None, list, str]:
    """(infra, containers to stop, why not found)."""
    file_env = _read_env_file()
    bootstrap = os.environ.get("XN_KAFKA_BOOTSTRAP") or file_env.get("XN_KAFKA_BOOTSTRAP")
    dsn = os.environ.get("XN_TEST_DATABASE_URL") or file_env.get("XN_TEST_DATABASE_URL")
    if bootstrap and dsn:
        return Infra(bootstrap, dsn), [], ""
    if _docker_answers():
        infra, containers = _from_testcontainers()
        return infra, containers, ""
    return None, [], ("no Kafka/PostgreSQL: run `bash deploy/infra.sh up` (or set "
                      "XN_KAFKA_BOOTSTRAP and XN_TEST_DATABASE_URL)")
