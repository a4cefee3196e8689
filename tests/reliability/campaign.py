"""The campaign the suite feeds, and a sender that never loses a fact on the harness side.

The demo sender (deploy/demo/sender.py) gives up on an HTTP fact after five tries and does not
look at its Kafka send futures; under chaos that would make the harness, not the system, lose
facts. This one awaits every Kafka future and re-sends what failed (same external_id: intake's
inbox makes the resend harmless), and retries HTTP until intake answers. Every fact it sent is
in `sent` (with its door), so the analysis knows the full input."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from dataclasses import dataclass

import httpx
from aiokafka.errors import OutOfOrderSequenceNumber, ProducerClosed

from deploy.demo.scenario import Fact, Scenario, build
from deploy.demo.sender import DOOR_TOPICS, SOURCE_BY_DOOR, Sender, _case
from services.intake.commands import COMMANDS
from shared.logs import get_logger

log = get_logger("reliability.feeder")


@dataclass(frozen=True)
class Form:
    name: str
    units: int
    days: int
    matters_per_day: int
    complaints_per_day: int
    speed: float  # virtual seconds per real second while the campaign is fed
    kills_every_s: tuple[float, float]


SHORT = Form("short", units=12, days=8, matters_per_day=120, complaints_per_day=12, speed=7200,
             kills_every_s=(4.0, 7.0))
LONG = Form("long", units=30, days=24, matters_per_day=280, complaints_per_day=30, speed=3600,
            kills_every_s=(3.0, 6.0))


def current_form() -> Form:
    return LONG if os.environ.get("XN_RELIABILITY", "short") == "long" else SHORT


def build_campaign(form: Form, seed: int = 8) -> Scenario:
    return build(seed=seed, units=form.units, days=form.days,
                 matters_per_day=form.matters_per_day,
                 complaints_per_day=form.complaints_per_day)


class ChaosSender(Sender):
    """Sender that retries until the fact is on the broker (Kafka door) or answered (HTTP)."""

    def __init__(self, *, prefix: str, **kw) -> None:
        super().__init__(**kw)
        # deploy.demo.sender's DOOR_TOPICS read XN_TOPIC_PREFIX when imported: this process
        # has none, so the namespace's door topics are named here.
        self.door_topics = {door: prefix + topic for door, topic in DOOR_TOPICS.items()}
        self.sent: dict[str, Fact] = {}  # external_id → fact, in send order
        self.http_status: dict[str, int] = {}
        self.http_refusals: dict[str, str] = {}  # external_id → intake's answer to a 4xx
        self.via: dict[str, str] = {}  # external_id → "kafka" | "http" (which door it took)
        self._futures: list[tuple[Fact, str, asyncio.Future]] = []

    async def _send_kafka(self, f: Fact, key: str) -> None:
        body = {"type": f.type, "source": SOURCE_BY_DOOR["kafka"], "external_id": f.external_id,
                "data": f.data}
        door = COMMANDS[f.type].door
        while True:
            try:
                fut = await self._producer.send(self.door_topics[door],
                                                json.dumps(body, ensure_ascii=False).encode(),
                                                key=key.encode())
                break
            except ProducerClosed:
                raise
            except Exception as exc:  # the accumulator is full while the broker is away
                log.warning("kafka send refused; retrying", error=repr(exc))
                await asyncio.sleep(0.5)
        self._futures.append((f, key, fut))
        self.sent[f.external_id] = f
        self.via[f.external_id] = "kafka"

    async def _settle(self) -> None:
        """Await every pending Kafka future; resend the failed ones in their original order."""
        while self._futures:
            pending, self._futures = self._futures, []
            failed, stuck = [], False
            for f, key, fut in pending:
                try:
                    await fut
                except Exception as exc:
                    failed.append((f, key))
                    stuck = stuck or isinstance(exc, OutOfOrderSequenceNumber)
                    log.warning("kafka delivery failed; resending", error=repr(exc))
            if failed:
                await asyncio.sleep(1.0)
                if stuck:  # resending through the stuck producer fails for ever (aiokafka #1017)
                    await self._renew_producer()
                for f, key in failed:
                    await self._send_kafka(f, key)
                await self._producer.flush()

    async def _renew_producer(self) -> None:
        while True:
            try:
                await self._producer.renew()
                return
            except Exception as exc:  # the broker may still be away
                log.warning("kafka producer renewal failed; retrying", error=repr(exc))
                await asyncio.sleep(1.0)

    async def _send_batch(self, facts: list[Fact]) -> None:
        """In waves holding at most one fact per case, each settled before the next: a failed
        send re-sent after a later fact of its case had landed would reach intake out of order
        (a supplement request after the completion), and be refused for the harness's fault."""
        waves: list[list[Fact]] = []
        seen: Counter[str] = Counter()
        for f in facts:
            n = seen[_case(f)]
            seen[_case(f)] += 1
            if n == len(waves):
                waves.append([])
            waves[n].append(f)
        for wave in waves:
            await super()._send_batch(wave)
            await self._settle()

    async def load_roster(self, facts: list[Fact]) -> list[Fact]:
        rest = await super().load_roster(facts)
        await self._settle()
        return rest

    async def _post(self, path: str, f: Fact) -> None:
        assert self._http is not None
        self.sent[f.external_id] = f
        self.via[f.external_id] = "http"
        async with self._limit:
            deadline = time.monotonic() + 600
            delay = 0.3
            while time.monotonic() < deadline:
                try:
                    r = await self._http.post(path, json=f.data,
                                              headers={"Idempotency-Key": f.external_id})
                except httpx.HTTPError:
                    r = None
                retry = r is not None and r.status_code == 409 and _error(r) == "concurrent_request"
                if r is not None and r.status_code < 500 and not retry:
                    self.http_status[f.external_id] = r.status_code
                    if r.status_code >= 400:
                        self.http_refusals[f.external_id] = f"{r.status_code} {r.text[:300]}"
                        log.warning("intake refused a fact", type=f.type, status=r.status_code,
                                    answer=r.text[:300])
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 3.0)
            raise RuntimeError(f"intake never answered for {f.external_id}")

    async def follow(self, facts: list[Fact], clock) -> None:
        """Send each fact when the virtual clock reaches its instant (roster already loaded)."""
        i = 0
        while i < len(facts):
            now, due = clock.now(), []
            while i < len(facts) and facts[i].at <= now:
                due.append(facts[i])
                i += 1
            if due:
                await self._send_batch(due)
            else:
                await asyncio.sleep(0.05)

    async def send_one(self, f: Fact) -> None:
        """A canary fact, sent now, outside the campaign's timeline."""
        await self._send_batch([f])


def _error(r: httpx.Response) -> str | None:
    try:
        return r.json().get("error")
    except ValueError:
        return None
