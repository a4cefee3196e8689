"""Sends demo facts through intake's two doors as virtual time reaches them."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
from aiokafka import AIOKafkaProducer

from deploy.demo.scenario import Fact
from services.intake.auth import KeyStore
from services.intake.commands import COMMANDS
from shared import topics
from shared.clock import Clock
from shared.db import make_engine, session_factory
from shared.logs import get_logger
from shared.messaging.outbox import RenewableProducer

log = get_logger("demo")
DOOR_TOPICS = {"roster": topics.IN_ROSTER, "reports": topics.IN_REPORTS,
               "matters": topics.IN_MATTERS, "complaints": topics.IN_COMPLAINTS,
               "inspections": topics.IN_INSPECTIONS}
SOURCE_BY_DOOR = {"kafka": "gov-service-platform", "http": "demo-hotline"}
STAGES = {"unit.registered": 0, "person.registered": 1, "person.appointed": 2,
          "campaign.configured": 3}


class Sender:
    def __init__(self, *, intake_url: str, kafka_bootstrap: str, database_dsn: str,
                 http_concurrency: int = 16) -> None:
        self.intake_url, self._dsn = intake_url.rstrip("/"), database_dsn
        # Renewable: after a broker restart aiokafka's idempotent producer can fail every later
        # send with OutOfOrderSequenceNumber; a sender that resends must be able to swap it.
        self._producer = RenewableProducer(lambda: AIOKafkaProducer(
            bootstrap_servers=kafka_bootstrap, enable_idempotence=True, linger_ms=5))
        self._http: httpx.AsyncClient | None = None
        self._limit = asyncio.Semaphore(http_concurrency)
        self.counts: Counter[str] = Counter()
        self._pending: list[asyncio.Future] = []

    async def start(self) -> None:
        await self._wait_for_intake()
        key = await self._api_key()
        self._http = httpx.AsyncClient(base_url=self.intake_url, timeout=30,
                                       headers={"X-Api-Key": key})
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()
        if self._http:
            await self._http.aclose()

    async def _wait_for_intake(self) -> None:
        async with httpx.AsyncClient(timeout=2) as c:
            for _ in range(600):
                try:
                    if (await c.get(f"{self.intake_url}/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        raise RuntimeError("intake did not become ready")

    async def _api_key(self) -> str:
        """The demo registers itself as a calling system, as the office would with the CLI."""
        engine = make_engine(self._dsn, 1)
        try:
            async with session_factory(engine)() as session, session.begin():
                return await KeyStore("intake").create(session, SOURCE_BY_DOOR["http"], False)
        finally:
            await engine.dispose()

    async def load_roster(self, facts: list[Fact]) -> list[Fact]:
        """Send the roster through its Kafka door on one key (one partition: units before people
        before appointments), wait until intake has applied the last one, return the rest."""
        roster = [f for f in facts if f.type in STAGES and f.type != "campaign.configured"]
        for f in roster:
            await self._send_kafka(f, key="demo-roster")
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending)
        last = next(f for f in reversed(roster) if f.type == "person.appointed").data
        assert self._http is not None
        for _ in range(1200):
            r = await self._http.get(f"/v1/roster/units/{last['unit_id']}/holders",
                                     params={"on": last["effective_from"], "role": last["role"]})
            if r.status_code == 200 and last["person_id"] in r.text:
                break
            await asyncio.sleep(0.1)
        else:
            raise RuntimeError("intake did not apply the demo roster")
        log.info("demo roster loaded", facts=len(roster))
        return [f for f in facts if f not in roster]

    async def run(self, facts: list[Fact], clock: Clock) -> None:
        facts = await self.load_roster(facts)
        i = 0
        while i < len(facts):
            now = clock.now()
            due = []
            while i < len(facts) and facts[i].at <= now:
                due.append(facts[i])
                i += 1
            if due:
                await self._send_batch(due)
            else:
                await asyncio.sleep(0.05)

    async def _send_batch(self, facts: list[Fact]) -> None:
        # Roster in stages (units before people before appointments before the campaign); within
        # a stage, facts of one case keep their order and cases go in parallel.
        for stage in sorted({STAGES.get(f.type, 9) for f in facts}):
            by_case: dict[str, list[Fact]] = {}
            for f in facts:
                if STAGES.get(f.type, 9) == stage:
                    by_case.setdefault(_case(f), []).append(f)
            await asyncio.gather(*(self._send_case(fs) for fs in by_case.values()))
        # Every Kafka send must have reached the broker: a failed one raises here.
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending)

    async def _send_case(self, facts: list[Fact]) -> None:
        for f in facts:
            cmd = COMMANDS[f.type]
            if f.door == "kafka" and cmd.door:
                await self._send_kafka(f, key=_case(f))
            else:
                await self._post(cmd.path, f)
            self.counts[f.door] += 1

    async def _send_kafka(self, f: Fact, key: str) -> None:
        body = {"type": f.type, "source": SOURCE_BY_DOOR["kafka"], "external_id": f.external_id,
                "data": f.data}
        self._pending.append(await self._producer.send(
            DOOR_TOPICS[COMMANDS[f.type].door], json.dumps(body, ensure_ascii=False).encode(),
            key=key.encode()))

    async def _post(self, path: str, f: Fact) -> None:
        assert self._http is not None
        async with self._limit:
            for attempt in range(5):
                try:
                    r = await self._http.post(path, json=f.data,
                                              headers={"Idempotency-Key": f.external_id})
                except httpx.HTTPError as e:
                    log.warning("intake unreachable; retrying", error=repr(e))
                    await asyncio.sleep(0.5 * 2 ** attempt)
                    continue
                if r.status_code >= 500:
                    await asyncio.sleep(0.5 * 2 ** attempt)
                    continue
                if r.status_code >= 400:
                    self.counts["refused"] += 1
                    log.warning("intake refused a demo fact", type=f.type, status=r.status_code,
                                answer=r.text[:300])
                return
            self.counts["undelivered"] += 1
            log.error("demo fact not delivered: intake kept failing", type=f.type,
                      external_id=f.external_id)


def _case(f: Fact) -> str:
    for k in ("matter_id", "complaint_id", "finding_id", "submission_id", "person_id", "unit_id",
              "campaign_id"):
        if k in f.data:
            return str(f.data[k])
    return f.external_id
