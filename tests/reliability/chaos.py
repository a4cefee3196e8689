"""The chaos schedule: SIGKILL a random service every few seconds and restart it; stop and
restart the broker once and PostgreSQL once; after each outage, time how long until canary facts
have gone through every path again (intake → deadlines, → accountability, → notify)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from deploy.demo.scenario import Fact, Scenario
from services.intake.context import NAMESPACE
from shared.clock import Clock
from shared.envelope import Envelope
from tests.reliability.campaign import ChaosSender, Form
from tests.reliability.observe import SERVICES, Recorder
from tests.support.private_infra import PrivateInfra
from tests.support.processes import Deployment
from tests.support.waiting import wait_for

OUTAGE_S = 6.0  # how long the broker / the database stays down


@dataclass
class ChaosLog:
    kills: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SERVICES})
    restart_ready_s: list[float] = field(default_factory=list)
    recovery_s: dict[str, float] = field(default_factory=dict)  # outage → canaries through
    outage_s: dict[str, float] = field(default_factory=dict)
    recovery_paths: dict[str, float] = field(default_factory=dict)  # canaries, per path
    resumed: dict[str, float] = field(default_factory=dict)  # per outage and service
    canary_s: dict[str, float] = field(default_factory=dict)
    unplanned_exits: list[str] = field(default_factory=list)


def canary_facts(scenario: Scenario, clock: Clock, n: str) -> list[Fact]:
    unit = next(u for u in scenario.units if u.by_role("handler"))
    handler = unit.by_role("handler")[0].person_id
    at: datetime = clock.now()
    mk = lambda t, d: Fact(at, 10**9, t, d, "kafka", f"canary-{t}-{n}")  # noqa: E731
    return [
        mk("matter.accepted", {"matter_id": f"CANARY-M-{n}", "unit_id": unit.unit_id,
                               "title": "canary", "promised_working_days": 5,
                               "accepted_at": at.isoformat(), "handler_id": handler}),
        mk("complaint.filed", {"complaint_id": f"CANARY-C-{n}", "channel": "web",
                               "filed_at": at.isoformat(),
                               "complainant": {"name": "探针", "phone": "13900009999"},
                               "target_unit_id": unit.unit_id, "target_person_id": handler,
                               "category": "work_style", "description": "canary"}),
        mk("inspection.finding_recorded", {
            "finding_id": f"CANARY-F-{n}", "unit_id": unit.unit_id, "person_id": handler,
            "area": "duty", "issue": "phone_unanswered", "severity": "general",
            "evidence": ["canary.jpg"], "inspected_at": at.isoformat()}),
    ]


def intake_event_ids(f: Fact, source: str = "gov-service-platform", n: int = 3) -> list[uuid.UUID]:
    return [uuid.uuid5(NAMESPACE, f"{source}\x1f{f.external_id}#{i}") for i in range(n)]


class Chaos:
    def __init__(self, dep: Deployment, infra: PrivateInfra, sender: ChaosSender,
                 recorder: Recorder, scenario: Scenario, clock: Clock, form: Form,
                 seed: int = 1) -> None:
        self.dep, self.infra, self.sender, self.rec = dep, infra, sender, recorder
        self.scenario, self.clock, self.form = scenario, clock, form
        self.rng = random.Random(seed)
        self.log = ChaosLog()
        self.canaries: list[asyncio.Task] = []
        self._turn: list[str] = []  # services still to be killed in this round
        self._restarting: dict[str, asyncio.Task] = {}  # service → its wait until ready
        self._dsn = dep.database_url.replace("postgresql+asyncpg://", "postgresql://")

    async def run(self, feed_done: asyncio.Event, feed_s: float) -> ChaosLog:
        try:
            return await self._run(feed_done, feed_s)
        finally:  # failed or cancelled: no wait left behind
            for task in self._restarting.values():
                task.cancel()

    async def _run(self, feed_done: asyncio.Event, feed_s: float) -> ChaosLog:
        started = time.monotonic()
        outages = [(0.25 * feed_s, "kafka"), (0.6 * feed_s, "postgresql")]
        while outages or not feed_done.is_set():
            self._restart_exited()
            if outages and time.monotonic() - started >= outages[0][0]:
                await self._all_ready()  # a service starting while the broker is away is
                await self.outage(outages.pop(0)[1])  # another test (and may give up)
            else:
                self.kill_one()
            await asyncio.sleep(self.rng.uniform(*self.form.kills_every_s))
        await self._all_ready()
        self._restart_exited()
        await asyncio.gather(*self.canaries)
        return self.log

    def kill_one(self) -> None:
        """SIGKILL the next service of this round (each round kills all four, in a random
        order) and start it again; the next kill does not wait until it is ready, so one that
        is still starting may be killed again (not timed, then)."""
        if not self._turn:
            self._turn = self.rng.sample(SERVICES, len(SERVICES))
        name = self._turn.pop()
        proc = self.dep.procs[name]
        if (waiting := self._restarting.pop(name, None)) is not None:
            waiting.cancel()
        proc.kill()
        self.log.kills[name] += 1
        proc.start()
        self._restarting[name] = asyncio.create_task(self._timed_ready(name, time.monotonic()))

    async def _timed_ready(self, name: str, t0: float) -> None:
        await self.dep.procs[name].wait_ready(timeout=180)
        self.log.restart_ready_s.append(time.monotonic() - t0)

    async def _all_ready(self) -> None:
        waiting, self._restarting = list(self._restarting.values()), {}
        await asyncio.gather(*waiting)

    def _restart_exited(self) -> None:
        for name, proc in self.dep.procs.items():
            if proc.popen and proc.popen.poll() is not None:
                self.log.unplanned_exits.append(f"{name}: rc={proc.popen.returncode}")
                proc.start()

    async def outage(self, what: str) -> None:
        down, up = ((self.infra.kafka_down, self.infra.kafka_up) if what == "kafka"
                    else (self.infra.pg_down, self.infra.pg_up))
        t0 = time.monotonic()
        await asyncio.to_thread(down)
        await asyncio.sleep(OUTAGE_S)
        await asyncio.to_thread(up)
        back, back_wall = time.monotonic(), time.time()
        self.log.outage_s[what] = back - t0
        self.log.recovery_s[what] = await self.resumed(what, back_wall)
        # End to end through whatever backlog the outage left: measured while the kills go on.
        self.canaries.append(asyncio.create_task(self.canaries_through(what, since=back)))

    async def resumed(self, tag: str, since_wall: float) -> float:
        """Seconds from the end of the outage until every service has published again (a new
        record on its output topic: intake's canonical topics, xn.deadlines, xn.accountability,
        xn.notices). The campaign keeps all four busy, so silence means stuck."""
        outputs = {"intake": ("xn.matters", "xn.complaints", "xn.roster"),
                   "deadlines": ("xn.deadlines",), "accountability": ("xn.accountability",),
                   "notify": ("xn.notices",)}
        since_ms = since_wall * 1000

        async def published(service: str) -> bool:
            return any(r.timestamp_ms >= since_ms for t in outputs[service]
                       for r in self.rec.records[t][-200:])

        async def timed(service: str) -> None:
            await wait_for(lambda: published(service), timeout=180, interval=0.25,
                           what=f"{service} to publish again after the {tag} outage")
            self.log.resumed[f"{tag}: {service}"] = round(time.time() - since_wall, 1)

        await asyncio.gather(*(timed(s) for s in outputs))
        return time.time() - since_wall

    async def canaries_through(self, tag: str, since: float) -> float:
        """Send one canary per path; seconds from `since` until all three went through (each
        path's own figure goes to log.recovery_paths)."""
        facts = canary_facts(self.scenario, self.clock, tag)
        for f in facts:
            await self.sender.send_one(f)
        _, complaint, finding = facts
        # fault.recorded names its evidence by event id (the finding's id from intake)
        finding_event = str(intake_event_ids(finding)[0])
        paths = {
            "intake→deadlines": lambda: self._deadline_scheduled(f"CANARY-M-{tag}"),
            "intake→notify (SMS sent)": lambda: self._notice_sent(intake_event_ids(complaint)),
            "intake→accountability": lambda: self._in_topic("xn.accountability", finding_event),
        }

        async def timed(name, check) -> None:
            await wait_for(check, timeout=180, interval=0.25, what=f"canary {name} after {tag}")
            self.log.recovery_paths[f"{tag}: {name}"] = round(time.monotonic() - since, 1)

        await asyncio.gather(*(timed(n, c) for n, c in paths.items()))
        self.log.canary_s[tag] = round(time.monotonic() - since, 1)
        return time.monotonic() - since

    async def _deadline_scheduled(self, matter_id: str) -> bool:
        """The matter's clock is among the clocks of a deadline.scheduled on the topic."""
        did = f"matter:{matter_id}"
        for r in reversed(self.rec.records["xn.deadlines"]):
            if matter_id.encode() in r.value:
                env = Envelope.from_bytes(r.value)
                if env.event_type == "deadline.scheduled" and any(
                        c["deadline"]["deadline_id"] == did for c in env.payload["clocks"]):
                    return True
        return False

    async def _in_topic(self, topic: str, marker: str) -> bool:
        return any(marker.encode() in r.value for r in reversed(self.rec.records[topic]))

    async def _notice_sent(self, source_ids: list[uuid.UUID]) -> bool:
        try:
            conn = await asyncpg.connect(self._dsn, timeout=5)
        except Exception:
            return False
        try:
            return bool(await conn.fetchval(
                "SELECT count(*) FROM notify.notices WHERE source_event_id = ANY($1) "
                "AND status = 'sent'", source_ids))
        except Exception:  # the database may go away under us (the other outage)
            return False
        finally:
            conn.terminate()
