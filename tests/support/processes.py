"""Run the services as separate processes, as production does, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from tests.support.infra import ROOT, Infra
from tests.support.waiting import wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def create_database(infra: Infra, name: str) -> str:
    """A fresh database for one end-to-end run; returns its SQLAlchemy DSN."""
    base = infra.database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return infra.database_url.rsplit("/", 1)[0] + f"/{name}"


async def drop_database(infra: Infra, name: str) -> None:
    base = infra.database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(base)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class Deployment:
    """One namespaced deployment: its own database, topic prefix and ports."""

    infra: Infra
    database_url: str
    prefix: str
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, "ServiceProcess"] = field(default_factory=dict)

    def env(self, service: str, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XN_")}
        env.update({
            "XN_KAFKA_BOOTSTRAP": self.infra.kafka_bootstrap,
            "XN_DATABASE_URL": self.database_url,
            "XN_TOPIC_PREFIX": self.prefix,
            "XN_HTTP_PORT": str(port),
            "XN_LOG_FORMAT": "json",
            "XN_ENVIRONMENT": "test",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        })
        return env

    def start(self, service: str, name: str | None = None, module: str | None = None,
              **env: str) -> "ServiceProcess":
        name = name or service
        port = free_port()
        # Each process a static group member named as in the deployment, as in production:
        # restarted under its name, it takes its partitions back without waiting out the
        # dead process's session.
        full_env = self.env(service, port) | {"XN_KAFKA_INSTANCE_ID": name} | env
        proc = ServiceProcess(name, service, port, full_env, self.log_dir / f"{name}.log",
                              module=module or f"services.{service}")
        proc.start()
        self.procs[name] = proc
        return proc

    def stop_all(self) -> None:
        for p in self.procs.values():
            p.terminate()


@dataclass
class ServiceProcess:
    name: str
    service: str
    port: int
    env: dict[str, str]
    log_path: Path
    module: str = ""
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen([sys.executable, "-m", self.module or f"services.{self.service}"],
                                      cwd=ROOT, env=self.env, stdout=log, stderr=log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def wait_ready(self, timeout: float = 60.0) -> None:
        async def ready() -> bool:
            if self.popen and self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited: {self.tail()}")
            try:
                async with httpx.AsyncClient(timeout=2) as c:
                    return (await c.get(f"{self.url}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False
        await wait_for(ready, timeout=timeout, interval=0.2, what=f"{self.name} ready")

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything, as in a crash."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def terminate(self, timeout: float = 45.0) -> int | None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                return self.popen.wait(10)
        return self.popen.returncode if self.popen else None

    def restart(self) -> None:
        self.kill()
        self.start()

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return "(no log)"


def new_namespace() -> tuple[str, str]:
    """(database name, topic prefix) unique to one run."""
    tag = uuid.uuid4().hex[:8]
    return f"xn_e2e_{tag}", f"e2e{tag}."
