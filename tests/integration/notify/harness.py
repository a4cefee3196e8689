"""A notify service assembled over the real broker and database for one test: its own schema and
topics, a ManualClock, a real SMTP server on loopback (aiosmtpd) and the SMS-provider stub.
The sender is driven by the test (`drain`), so every step is deterministic."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from faststream.kafka import KafkaBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notify import subscribers
from services.notify.channels import (AliyunSmsChannel, AliyunSmsSettings, SmtpEmailChannel,
                                      SmtpSecurity, SmtpSettings, TokenBucket)
from services.notify.delivery import RetryPolicy
from services.notify.handlers import make_handler, make_prepare
from services.notify.messages import NoticeKind, NoticeRenderer, OfficeInfo
from services.notify.roster import RosterCache
from services.notify.routing import load_routing
from services.notify.sender import Sender
from services.notify.wiring import Channels, Deps, Topics
from shared.clock import ManualClock
from shared.db import session_factory
from shared.envelope import Envelope
from shared.messaging.outbox import OutboxRelay
from shared.messaging.pipeline import Pipeline
from tests.integration.notify import events as ev
from tests.support.kafka import TopicReader, publish, unique
from tests.support.waiting import wait_for
from tests.unit.notify.sms_stub import SmsProviderStub
from tests.unit.notify.smtp_server import RecordingHandler

POLICY = RetryPolicy(max_attempts=4, backoff_s=60, backoff_max_s=600)
LEASE_S = 120.0


class FlakySmtp(RecordingHandler):
    """Answers scripted replies to RCPT for an address, one per attempt, then accepts."""

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[str, list[str]] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.script.get(address):
            return self.script[address].pop(0)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def make_topics() -> Topics:
    return Topics(roster=unique("n.roster"), complaints=unique("n.complaints"),
                  deadlines=unique("n.deadlines"), accountability=unique("n.accountability"),
                  notices=unique("n.notices"))


@dataclass
class NotifyHarness:
    bootstrap: str
    schema: str
    topics: Topics
    engine: AsyncEngine
    clock: ManualClock
    smtp: FlakySmtp
    smtp_port: int
    stub: SmsProviderStub
    deps: Deps
    channels: Channels
    relay: OutboxRelay
    http: httpx.AsyncClient
    senders: list[Sender] = field(default_factory=list)

    @property
    def sessions(self):
        return session_factory(self.engine)

    def sender(self, name: str | None = None, channels: Channels | None = None) -> Sender:
        s = Sender(sessions=self.sessions, schema=self.schema, clock=self.clock,
                   channels=channels or self.channels, deps=self.deps, name=name, policy=POLICY,
                   batch=100, concurrency=8, lease_s=LEASE_S, poll_s=0.05,
                   wake_relay=self.relay.wake)
        self.senders.append(s)
        return s

    async def publish(self, topic: str, *envs: Envelope) -> None:
        for env in envs:
            await publish(self.bootstrap, topic, env.to_bytes(), key=env.key.encode())

    async def scalar(self, sql: str, **params):
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql.replace("{s}", f'"{self.schema}"')),
                                       params)).scalar_one()

    async def rows(self, sql: str, **params) -> list:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql.replace("{s}", f'"{self.schema}"')),
                                            params)).all())

    async def one_email_to_the_leader(self) -> None:
        """The roster applied, then a bulletin: one notice, an e-mail to the unit's leader."""
        await self.publish(self.topics.roster, *ev.roster())
        await self.wait_inbox(7)
        await self.publish(self.topics.accountability, ev.bulletin())
        await self.wait_notices(1)

    async def wait_notices(self, n: int, where: str = "true") -> int:
        async def count():
            c = await self.scalar(f"SELECT count(*) FROM {{s}}.notices WHERE {where}")
            return c if c >= n else 0
        return await wait_for(count, what=f"{n} notices where {where}")

    async def wait_inbox(self, n: int) -> None:
        async def count():
            return await self.scalar("SELECT count(*) FROM {s}.inbox") >= n
        await wait_for(count, what=f"{n} events applied")

    async def drain(self, sender: Sender | None = None) -> int:
        """Run sender rounds until nothing is due at the current (manual) time."""
        sender = sender or (self.senders[0] if self.senders else self.sender("s1"))
        total = 0
        while n := await sender.run_once():
            total += n
        return total

    async def all_notices_events(self) -> list[Envelope]:
        """Every event on the notices topic once the relay has published what it holds: it
        deletes a row only after the broker has it, so an empty outbox means nothing is left
        to come."""
        await wait_for(lambda: self._outbox_empty(), what="notify's outbox to empty")
        reader = await TopicReader(self.bootstrap, self.topics.notices).start()
        try:
            return [Envelope.from_bytes(r.value) for r in await reader.read_to_end()]
        finally:
            await reader.stop()

    async def _outbox_empty(self) -> bool | None:
        return await self.scalar("SELECT count(*) FROM {s}.outbox") == 0 or None

    async def notices_events(self, n: int) -> list[Envelope]:
        reader = await TopicReader(self.bootstrap, self.topics.notices).start()
        try:
            async def enough():
                recs = await reader.poll()
                return recs if len(recs) >= n else None
            await wait_for(enough, what=f"{n} events on {self.topics.notices}")
            await asyncio.sleep(0.3)  # anything beyond n would be a bug: give it a chance to show
            await reader.poll()
            return [Envelope.from_bytes(r.value) for r in reader.records]
        finally:
            await reader.stop()


def build_channels(smtp_port: int, stub: SmsProviderStub, http: httpx.AsyncClient) -> Channels:
    email = SmtpEmailChannel(SmtpSettings(host="127.0.0.1", port=smtp_port,
                                          from_address="xiaoneng@county.gov.cn",
                                          security=SmtpSecurity.PLAIN, timeout_seconds=5))
    sms = AliyunSmsChannel(AliyunSmsSettings(
        access_key_id="test-key", access_key_secret="test-secret", sign_name="县效能办",
        template_codes={k.value: f"SMS_{i:04d}" for i, k in enumerate(NoticeKind)},
        endpoint=stub.url), http, TokenBucket(500))
    return Channels(sms=sms, email=email)


def build_deps(topics: Topics) -> Deps:
    office = OfficeInfo(name="县效能建设办公室", phone="0571-12345000")
    return Deps(load_routing(), NoticeRenderer(office=office), topics, office)


def build_broker(bootstrap: str, pipeline: Pipeline, deps: Deps, group: str) -> KafkaBroker:
    broker = KafkaBroker(bootstrap)
    roster = RosterCache()
    subscribers.register(broker, pipeline, make_handler(deps, roster), deps.topics, group=group,
                         prepare=make_prepare(roster))
    return broker


def new_group() -> str:
    return f"notify-test-{uuid.uuid4().hex[:8]}"


