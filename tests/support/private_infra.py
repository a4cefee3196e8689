"""A private Kafka broker and PostgreSQL cluster for tests that stop and start them (health,
reliability): stopping the shared pair would break every other test running against it."""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.infra import ROOT, Infra


@dataclass
class PrivateInfra:
    name: str
    kafka_port: int
    pg_port: int

    @property
    def state_dir(self) -> Path:
        return ROOT / ".infra" / f"private-{self.name}"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "XN_INFRA_DIR": str(self.state_dir),
                "XN_KAFKA_PORT": str(self.kafka_port),
                "XN_KAFKA_CONTROLLER_PORT": str(self.kafka_port + 1),
                "XN_PG_CLUSTER": self.name, "XN_PG_PORT": str(self.pg_port)}

    async def run(self, action: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            "bash", str(ROOT / "deploy" / "infra.sh"), action, env=self._env(),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"infra.sh {action} failed:\n{out.decode(errors='replace')}")

    async def up(self) -> Infra:
        await self.run("up")
        env: dict[str, str] = {}
        for line in (self.state_dir / "env").read_text().splitlines():
            k, v = line.removeprefix("export ").split("=", 1)
            env[k] = shlex.split(v)[0]
        return Infra(env["XN_KAFKA_BOOTSTRAP"], env["XN_TEST_DATABASE_URL"])
