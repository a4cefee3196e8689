"""The end-to-end bench's deployment: four service processes on a fresh database and topic
namespace of the shared broker/database, a roster of any size, open deadlines in bulk, and
waiting on notices (rows and files)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from deploy.demo.county import Person, Unit
from deploy.demo.scenario import Fact
from services.intake.context import NAMESPACE
from tests.reliability.campaign import ChaosSender
from tests.reliability.harness import start_deployment, stop_all
from tests.support.infra import Infra
from tests.support.kafka import delete_topics
from tests.support.processes import Deployment, create_database, drop_database, new_namespace

SOURCE = "bench"
ROLES = ("leader", "deputy", "liaison", "handler", "handler", "handler", "reviewer", "approver")


def door_message(type_: str, ext: str, data: dict) -> bytes:
    return json.dumps({"type": type_, "source": SOURCE, "external_id": ext, "data": data},
                      ensure_ascii=False).encode()


def intake_ids(ext: str, source: str = SOURCE, n: int = 3) -> list[uuid.UUID]:
    return [uuid.uuid5(NAMESPACE, f"{source}\x1f{ext}#{i}") for i in range(n)]


def county_facts(n_units: int) -> tuple[list[Unit], list[Fact]]:
    units, facts = [], []
    at = time.time()
    for u in range(n_units):
        code = f"U{u:04d}"
        unit = Unit(code, f"单位{u}", "department" if u % 5 else "township")
        for i, role in enumerate(ROLES):
            unit.people.append(Person(f"{code}-{role[:3]}{i}", f"人员{u}-{i}", code, role,
                                      f"1381{u:04d}{i:03d}", f"{code.lower()}.{i}@county.example"))
        units.append(unit)
    add = lambda t, d: facts.append(Fact(at, len(facts), t, d, "kafka", f"roster-{len(facts)}"))  # noqa: E731
    for unit in units:
        add("unit.registered", {"unit_id": unit.unit_id, "name": unit.name, "kind": unit.kind})
    for unit in units:
        for p in unit.people:
            add("person.registered", {"person_id": p.person_id, "name": p.name,
                                      "unit_id": unit.unit_id, "phone": p.phone, "email": p.email})
            add("person.appointed", {"person_id": p.person_id, "unit_id": unit.unit_id,
                                     "role": p.role, "effective_from": "2026-01-01"})
    return units, facts


@dataclass
class Bench:
    infra: Infra
    db: str
    dsn: str  # SQLAlchemy form
    prefix: str
    dep: Deployment
    outbox: Path
    producer: AIOKafkaProducer
    units: list[Unit] = field(default_factory=list)

    @classmethod
    async def start(cls, infra: Infra, db_tls: bool = True) -> Bench:
        db, prefix = new_namespace()
        dsn = await create_database(infra, db)
        if not db_tls:  # asyncpg's default 'prefer' negotiates TLS even on loopback
            dsn += "?ssl=disable"
        tmp = Path(tempfile.mkdtemp(prefix="xn-bench-"))
        env = {"XN_OUTBOX_DIR": str(tmp / "outbox"), "XN_SENDER_POLL_S": "0.1",
               "XN_QUIET_HOURS_START": "00:00", "XN_QUIET_HOURS_END": "00:00",
               "XN_LOG_LEVEL": "WARNING", "XN_SENDER_BATCH": "200", "XN_SENDER_CONCURRENCY": "16"}
        dep = await start_deployment(infra, dsn, prefix, tmp / "logs", env)
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, linger_ms=5,
                                    enable_idempotence=True)
        await producer.start()
        return cls(infra, db, dsn, prefix, dep, tmp / "outbox", producer)

    def topic(self, name: str) -> str:
        return self.prefix + name

    def pids(self) -> dict[str, int]:
        return {n: p.popen.pid for n, p in self.dep.procs.items() if p.popen}

    async def load_roster(self, county: tuple[list[Unit], list[Fact]]) -> list[Unit]:
        units, facts = county
        sender = ChaosSender(prefix=self.prefix, intake_url=self.dep.procs["intake"].url,
                             kafka_bootstrap=self.infra.kafka_bootstrap, database_dsn=self.dsn)
        await sender.start()
        try:
            await sender.load_roster(facts)
        finally:
            await sender.stop()
        return units

    async def sql(self, query: str, *args):
        conn = await asyncpg.connect(self.dsn.replace("postgresql+asyncpg://", "postgresql://")
                                     .replace("?ssl=", "?sslmode="))
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def batch_records(self) -> dict[str, tuple[float, float]]:
        """Per service process: (records, batches) its consumers have taken so far, from the
        `xn_batch_records` histogram on its /metrics."""
        out = {}
        async with httpx.AsyncClient(timeout=5) as c:
            for name, proc in self.dep.procs.items():
                text = (await c.get(f"{proc.url}/metrics")).text
                total = {"sum": 0.0, "count": 0.0}
                for family in text_string_to_metric_families(text):
                    if family.name == "xn_batch_records":
                        for sample in family.samples:
                            kind = sample.name.rsplit("_", 1)[-1]
                            if kind in total:
                                total[kind] += sample.value
                out[name] = (total["sum"], total["count"])
        return out

    def sms_files(self) -> int:
        # scandir, not Path.glob: the count runs every poll while the services are measured, and
        # globbing ~10k names cost ~15 ms of the CPU they share (~15 % of a core at 10 polls/s).
        sms = self.outbox / "sms"
        if not sms.is_dir():
            return 0
        return sum(1 for day in os.scandir(sms) if day.is_dir()
                   for e in os.scandir(day.path) if e.name.endswith(".txt"))

    async def wait_notices(self, exts: set[str], timeout: float, files_before: int = 0
                           ) -> dict[str, float]:
        """ext → mtime of its acknowledgement file, once every one is sent (or the timeout).
        `files_before`: SMS files there were before these events were published."""
        by_source = {sid: ext for ext in exts for sid in intake_ids(ext)}
        deadline = time.monotonic() + timeout
        rows: list = []
        while time.monotonic() < deadline:
            # Count files first (no load on the database being measured); query once they are in.
            if self.sms_files() < files_before + len(exts):
                await asyncio.sleep(0.25)  # times come from the files' mtimes, not from the poll
                continue
            rows = await self.sql("SELECT notice_id, source_event_id FROM notify.notices WHERE "
                                  "status = 'sent' AND source_event_id = ANY($1)", list(by_source))
            if len({by_source[r[1]] for r in rows}) >= len(exts):
                break
            await asyncio.sleep(0.25)
        files = {p.stem: p.stat().st_mtime for p in self.outbox.glob("sms/*/*.txt")}
        out: dict[str, float] = {}
        for nid, sid in rows:
            if nid in files:
                out[by_source[sid]] = min(out.get(by_source[sid], 1e18), files[nid])
        return out

    async def stage_done_times(self, exts: list[str], t0: float) -> dict:
        """When intake, deadlines and accountability had each taken the last of them in."""
        ids = [i for e in exts for i in intake_ids(e)]
        out = {}
        for schema in ("intake", "deadlines", "accountability", "notify"):
            col = "event_id" if schema != "intake" else None
            if col is None:
                row = await self.sql("SELECT max(created_at) FROM intake.requests "
                                     "WHERE request_key = ANY($1)", exts)
            else:
                row = await self.sql(f"SELECT max(processed_at) FROM {schema}.inbox WHERE event_id = ANY($1)", ids)
            if row and row[0][0] is not None:
                out[f"{schema}_done_s"] = round(row[0][0].timestamp() - t0, 1)
        return out

    async def stop(self, remove_files: bool = True) -> None:
        await self.producer.stop()
        await stop_all(self.dep)
        # The services' logs stay, masked, for a run that went wrong; the SMS files (generated
        # phone numbers) unless the caller keeps them to delete later.
        if remove_files:
            shutil.rmtree(self.outbox, ignore_errors=True)
        await delete_topics(self.infra.kafka_bootstrap, prefix=self.prefix)
        for _ in range(10):  # an autovacuum worker on the fresh tables can hold it a moment
            try:
                await drop_database(self.infra, self.db)
                return
            except Exception:
                await asyncio.sleep(1)


async def clone_open_deadlines(b: Bench, n: int) -> None:
    """n open matter deadlines, due in a year: rows like a real one (its JSON state included)."""
    if n <= 0:
        return
    u = b.units[0]
    ext = "seed-matter"
    data = {"matter_id": ext, "unit_id": u.unit_id, "title": "x", "promised_working_days": 20,
            "accepted_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "handler_id": u.by_role("handler")[0].person_id}
    await b.producer.send_and_wait(b.topic("xn.in.matters"), door_message("matter.accepted", ext, data))
    for _ in range(240):
        if await b.sql("SELECT 1 FROM deadlines.deadlines WHERE subject_id = $1", ext):
            break
        await asyncio.sleep(0.25)
    else:
        raise RuntimeError("the seed matter never got its deadline: no rows to clone")
    cols = [r[0] for r in await b.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'deadlines' "
        "AND table_name = 'deadlines' ORDER BY ordinal_position")]
    sel = ", ".join({"deadline_id": "'matter:bulk-' || g", "subject_id": "'bulk-' || g",
                     "unit_id": f"'{b.units[0].unit_id}'",
                     "next_fire_at": "next_fire_at + interval '365 days'",
                     "due_at": "due_at + interval '365 days'"}.get(c, c) for c in cols)
    await b.sql(f"INSERT INTO deadlines.deadlines ({', '.join(cols)}) SELECT {sel} FROM "
                f"deadlines.deadlines, generate_series(1, $1) g WHERE subject_id = $2", n, ext)
    rows = await b.sql("SELECT count(*) FROM deadlines.deadlines WHERE status = 'open' "
                       "AND deadline_id LIKE 'matter:bulk-%'")
    if rows[0][0] != n:
        raise RuntimeError(f"{rows[0][0]} open deadlines cloned, not {n}")
    await b.sql("ANALYZE deadlines.deadlines")


def _cpu_s(pid: int, children: bool = False) -> float:
    """utime + stime, plus the reaped children's when asked (PostgreSQL backends that exited
    are counted in the postmaster's cutime + cstime)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    f = [int(x) for x in stat[stat.rindex(")") + 2:].split()[11:15]]
    return (f[0] + f[1] + (f[2] + f[3] if children else 0)) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(services: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each service process, the Kafka broker and all PostgreSQL
    processes (backends included) — where the machine's two cores go."""
    out = {name: _cpu_s(pid) for name, pid in services.items()}
    out["kafka"] = out["postgres"] = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            comm = (proc / "comm").read_text().strip()
            cmdline = (proc / "cmdline").read_bytes() if comm == "java" else b""
        except OSError:
            continue
        if comm == "postgres":
            out["postgres"] += _cpu_s(int(proc.name), children=True)
        elif b"kafka.Kafka" in cmdline:
            out["kafka"] += _cpu_s(int(proc.name))
    return out
