"""A private Kafka broker and PostgreSQL cluster for tests that stop and restart them (health,
reliability): never the shared pair (9092/5432) that other test runs use at the same time.

`deploy/infra.sh` starts them on their own ports (XN_KAFKA_PORT, XN_PG_CLUSTER, XN_PG_PORT) with
their state under a private directory; the Kafka jars are shared with the main .infra cache."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.infra import ROOT, Infra


@dataclass
class PrivateInfra:
    name: str  # also the PostgreSQL cluster's name
    kafka_port: int
    pg_port: int
    state_dir: Path | None = None

    @property
    def directory(self) -> Path:
        return self.state_dir or ROOT / ".infra" / f"private-{self.name}"

    @property
    def infra(self) -> Infra:
        return Infra(f"127.0.0.1:{self.kafka_port}",
                     f"postgresql+asyncpg://xiaoneng:xiaoneng@127.0.0.1:{self.pg_port}/xiaoneng_test")

    def _run(self, action: str, timeout: float = 300) -> float:
        """Run `deploy/infra.sh <action>` on the private pair; returns the seconds it took."""
        env = os.environ | {"XN_INFRA_DIR": str(self.directory),
                            "XN_KAFKA_PORT": str(self.kafka_port),
                            "XN_KAFKA_CONTROLLER_PORT": str(self.kafka_port + 1),
                            "XN_PG_CLUSTER": self.name, "XN_PG_PORT": str(self.pg_port)}
        started = time.monotonic()
        done = subprocess.run(["bash", str(ROOT / "deploy" / "infra.sh"), action], env=env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"infra.sh {action} failed: {done.stderr[-2000:]}")
        return time.monotonic() - started

    def up(self) -> Infra:
        self.directory.mkdir(parents=True, exist_ok=True)
        libs, shared_libs = self.directory / "kafka-libs", ROOT / ".infra" / "kafka-libs"
        if not libs.exists() and shared_libs.exists():  # reuse the fetched broker jars
            libs.symlink_to(shared_libs)
        self._run("up", timeout=900)
        return self.infra

    def down(self) -> None:
        self._run("down")

    def kafka_down(self) -> float:
        return self._run("kafka-down")

    def kafka_up(self) -> float:
        return self._run("kafka-up")

    def pg_down(self) -> float:
        return self._run("pg-down")

    def pg_up(self) -> float:
        return self._run("pg-up")
