"""A private Kafka broker and PostgreSQL cluster for the reliability suite, which stops and
restarts both: never the shared pair (9092/5432) that other test runs use at the same time.

`deploy/infra.sh` starts them on their own ports (XN_KAFKA_PORT, XN_PG_CLUSTER, XN_PG_PORT) with
its state under a private directory; the Kafka jars are shared with the main .infra cache."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.infra import ROOT, Infra

KAFKA_PORT = int(os.environ.get("XN_RELIABILITY_KAFKA_PORT", "19092"))
CONTROLLER_PORT = KAFKA_PORT + 1
PG_PORT = int(os.environ.get("XN_RELIABILITY_PG_PORT", "15432"))
PG_CLUSTER = "chaos"


@dataclass
class PrivateInfra:
    state_dir: Path

    @property
    def infra(self) -> Infra:
        return Infra(f"127.0.0.1:{KAFKA_PORT}",
                     f"postgresql+asyncpg://xiaoneng:xiaoneng@127.0.0.1:{PG_PORT}/xiaoneng_test")

    def _run(self, action: str, timeout: float = 300) -> float:
        """Run `deploy/infra.sh <action>` on the private pair; returns the seconds it took."""
        env = os.environ | {"XN_INFRA_DIR": str(self.state_dir), "XN_KAFKA_PORT": str(KAFKA_PORT),
                            "XN_KAFKA_CONTROLLER_PORT": str(CONTROLLER_PORT),
                            "XN_PG_CLUSTER": PG_CLUSTER, "XN_PG_PORT": str(PG_PORT)}
        started = time.monotonic()
        done = subprocess.run(["bash", str(ROOT / "deploy" / "infra.sh"), action], env=env,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"infra.sh {action} failed: {done.stderr[-2000:]}")
        return time.monotonic() - started

    def up(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        libs, shared_libs = self.state_dir / "kafka-libs", ROOT / ".infra" / "kafka-libs"
        if not libs.exists() and shared_libs.exists():  # reuse the fetched broker jars
            libs.symlink_to(shared_libs)
        self._run("up", timeout=900)

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
