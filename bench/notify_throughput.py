"""Notify throughput, both halves of the service. Needs PostgreSQL (deploy/infra.sh up).

The consumer: events per second through `Pipeline.process_batch` and notify's handler into the
delivery log (batches of 500, no Kafka: the broker is not what is measured), for the e2e path
(complaint.filed → the acknowledgement SMS) and for deadline.warned (4 notices each), with the
SQL statements per event counted by a `before_cursor_execute` listener.

The sender: notices per second (claim with SKIP LOCKED, send, record the attempt and the outcome,
NoticeSent into the outbox) to a local SMTP server (aiosmtpd), the SMS-provider stub and the local
outbox provider (one fsync'd file per SMS, as end to end), against a bare loop sending the same
messages directly through aiosmtplib / httpx with the same concurrency.

    uv run python -m bench.notify_throughput [--events 3000] [--emails 1000] [--sms 1000]
                                             [--concurrency 16]

Prints a table and appends/replaces the `## Notify` section of bench/RESULTS.md."""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import aiosmtplib
import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import event, text

from services.notify import store
from services.notify.channels import (AliyunSmsChannel, AliyunSmsSettings, OutboxEmailChannel,
                                      OutboxSmsChannel, OutgoingEmail, OutgoingSms,
                                      SmtpEmailChannel, SmtpSecurity, SmtpSettings, TokenBucket,
                                      build_mime_message)
from services.notify.delivery import RetryPolicy
from services.notify.handlers import make_handler, make_prepare
from services.notify.messages import NoticeKind, NoticeRenderer, OfficeInfo
from services.notify.roster import RosterCache
from services.notify.routing import load_routing
from services.notify.sender import Sender
from services.notify.wiring import Channels, Deps, Topics
from shared.clock import SystemClock
from shared.db import make_engine, session_factory
from shared.envelope import Envelope
from shared.logs import configure_logging
from shared.messaging.deadletter import RawMessage
from shared.messaging.pipeline import Pipeline
from shared.migrations import migrations_dir, upgrade_async
from tests.integration.notify import events as ev
from tests.support.infra import locate
from tests.unit.notify.sms_stub import SmsProviderStub
from tests.unit.notify.smtp_server import RecordingHandler, free_port

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
BODY = "【县效能办】韩承办同志：县教育局承办的“办件”（编号M-001）剩余2个工作日，将于2026年5月15日 17:30到期，现予黄牌预警。"


def new_notice(channel: str, i: int, now: datetime) -> store.NewNotice:
    email = channel == "email"
    return store.NewNotice(
        source_event_id=uuid.uuid4(), source_event_type="deadline.warned",
        correlation_id=uuid.uuid4(), unit_id="JYJ", kind=NoticeKind.DEADLINE_WARNING.value,
        recipient_id=f"P{i}", recipient_role="handler", recipient_name="韩承办", channel=channel,
        address=f"p{i}@jyj.gov.cn" if email else f"138{i:08d}", fallback=[], urgent=True,
        context={"recipient_name": "韩承办", "item_ref": "M-001"},
        subject="【黄牌预警】“办件”剩余2个工作日" if email else None, body_text=BODY,
        body_html=f"<p>{BODY}</p>" if email else None, not_before=now, created_at=now)


class StatementCounter:
    """Counts what reaches the driver (an executemany counts once: one round trip)."""

    def __init__(self, engine) -> None:
        self.n = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.n += 1


def roster_events(units: int) -> list[Envelope]:
    """`units` units, each with a liaison, a handler and a leader (the tests' roster, renamed)."""
    out = []
    for u in range(units):
        people = [(f"{u}{pid}", name, f"138{u:05d}{i:03d}", f"{pid.lower()}@u{u}.gov.cn")
                  for i, (pid, name, _, _) in enumerate((ev.LIAISON, ev.HANDLER, ev.LEADER))]
        out += ev.roster(f"U{u:03d}", f"第{u}局", people=people)
    return out


def complaints(n: int, units: int) -> list[Envelope]:
    out = []
    for i in range(n):
        e = ev.filed(f"TS-{i}", phone=f"139{i:08d}")
        p = e.parsed().model_copy(update={"routed_to": f"U{i % units:03d}",
                                          "target_unit_id": f"U{i % units:03d}"})
        out.append(e.model_copy(update={"payload": p.model_dump(mode="json")}))
    return out


def warnings(n: int, units: int) -> list[Envelope]:
    out = []
    for i in range(n):
        u = f"U{i % units:03d}"
        out.append(ev.warned(f"M-{i}", unit_id=u, handler_id=f"{i % units}H1"))
    return out


async def through_consumer(engine, schema: str, name: str, events: list[Envelope],
                           units: int) -> tuple[str, float, float]:
    """events/s and statements/event through the batch pipeline into the delivery log."""
    deps = Deps(load_routing(), NoticeRenderer(office=OfficeInfo(name="县效能办", phone="12345")),
                Topics(), OfficeInfo(name="县效能办", phone="12345"))
    pipeline = Pipeline(service="bench", consumer=f"notify-{name}", schema=schema,
                        sessions=session_factory(engine), producer=None,  # type: ignore[arg-type]
                        clock=SystemClock())
    roster = RosterCache()
    handler, prepare = make_handler(deps, roster), make_prepare(roster)

    def raw(envs):
        return [RawMessage("bench", 0, i, e.key.encode(), e.to_bytes()) for i, e in enumerate(envs)]

    # The roster first, as live: in its own batches, not measured.
    roster_evs = roster_events(units)
    for i in range(0, len(roster_evs), 500):
        await pipeline.process_batch(raw(roster_evs[i:i + 500]), handler, prepare)
    before = await _count(engine, schema)
    msgs, counter = raw(events), StatementCounter(engine)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(msgs), 500):
        outcomes = await pipeline.process_batch(msgs[i:i + 500], handler, prepare)
        assert set(outcomes) == {"applied"}, outcomes
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    event.remove(engine.sync_engine, "before_cursor_execute", counter._count)
    made = await _count(engine, schema) - before
    batches = -(-len(msgs) // 500)
    statements = _sql_figure(counter.n, len(events), batches, "event", "batch of 500")
    return name, len(events) / elapsed, statements, made, _cpu(cpu, len(events), "event")


async def _count(engine, schema: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text(f'SELECT count(*) FROM "{schema}".notices'))).scalar_one()


async def through_sender(sessions, schema, channels, channel, n, concurrency,
                         counter: StatementCounter) -> tuple[float, str, str]:
    """notices/s and statements/notice (the claims included) through the sender loop."""
    now = datetime.now(timezone.utc)
    async with sessions() as s, s.begin():
        for i in range(n):
            await store.insert_notice(s, schema, new_notice(channel, i, now))
    deps = Deps(load_routing(), NoticeRenderer(), Topics(), None)  # type: ignore[arg-type]
    sender = Sender(sessions=sessions, schema=schema, clock=SystemClock(), channels=channels,
                    deps=deps, policy=RetryPolicy(), batch=100, concurrency=concurrency)
    first, claims = counter.n, 0
    started, cpu = time.perf_counter(), time.process_time()
    while await sender.run_once():
        claims += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    statements = _sql_figure(counter.n - first, n, claims, "notice", "claim of 100")
    async with sessions() as s:
        pending = (await s.execute(text(f'SELECT count(*) FROM "{schema}".notices WHERE '
                                        "status <> 'sent'"))).scalar_one()
        await s.execute(text(f'TRUNCATE "{schema}".notices, "{schema}".attempts'))
        await s.commit()
    assert pending == 0, f"{pending} of {n} {channel} notices not sent"
    return n / elapsed, statements, _cpu(cpu, n, "notice")


async def bare(n, concurrency, send_one) -> float:
    sem = asyncio.Semaphore(concurrency)

    async def one(i):
        async with sem:
            await send_one(i)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - started)


# path, rate, unit, SQL statements per item and per round, this process's CPU per item
Row = tuple[str, float, str, str, str]


def _cpu(seconds: float, items: int, item: str) -> str:
    """time.process_time(): every thread of this process (the file writes' workers too), not
    PostgreSQL's. In the sender rows the SMTP server and the SMS stub run here as well."""
    return f"{seconds * 1000 / items:.3f} ms CPU per {item}"


def _sql_figure(statements: int, items: int, rounds: int, item: str, round_: str) -> str:
    return f"{statements / items:.3f} per {item}, {statements / max(rounds, 1):.1f} per {round_}"


async def consumer_rows(engine, dsn: str, events: int, units: int) -> list[Row]:
    rows: list[Row] = []
    for name, make in (("complaint.filed → acknowledgement SMS", complaints),
                       ("deadline.warned → 4 notices (liaison, handler × SMS, e-mail)", warnings)):
        schema = f"bench_notify_{uuid.uuid4().hex[:6]}"
        await upgrade_async(migrations_dir("notify"), schema, dsn)
        try:
            _, rate, statements, made, cpu = await through_consumer(
                engine, schema, name, make(events, units), units)
            per = made // events
            assert per * events == made, f"{made} notices from {events} events"
            rows.append((f"consumer, {name}", rate, "events/s", statements, cpu))
        finally:
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    return rows


async def main(events: int, emails: int, sms: int, concurrency: int) -> list[Row]:
    infra, containers, why = locate()
    if infra is None:
        raise SystemExit(f"no PostgreSQL: {why}")
    schema = f"bench_notify_{uuid.uuid4().hex[:6]}"
    await upgrade_async(migrations_dir("notify"), schema, infra.database_url)
    engine = make_engine(infra.database_url, pool_size=concurrency)
    sessions = session_factory(engine)
    counter = StatementCounter(engine)
    port = free_port()
    controller = Controller(RecordingHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    stub = SmsProviderStub()
    await stub.start()
    http = httpx.AsyncClient()
    smtp = SmtpSettings(host="127.0.0.1", port=port, from_address="xiaoneng@county.gov.cn",
                        security=SmtpSecurity.PLAIN)
    aliyun = AliyunSmsChannel(AliyunSmsSettings(
        access_key_id="k", access_key_secret="s", sign_name="县效能办",
        template_codes={k.value: "SMS_1" for k in NoticeKind}, endpoint=stub.url),
        http, TokenBucket(100_000))  # the provider quota is not what is measured here
    channels = Channels(sms=aliyun, email=SmtpEmailChannel(smtp))
    results: list[Row] = []
    folder = tempfile.TemporaryDirectory(prefix="bench-notify-outbox-")  # ext4 here, as /work
    try:
        if events:
            results += await consumer_rows(engine, infra.database_url, events, units=30)

        async def bare_mail(i):
            msg = OutgoingEmail(f"bare{i}", f"p{i}@jyj.gov.cn", "【黄牌预警】", BODY, f"<p>{BODY}</p>")
            await aiosmtplib.send(build_mime_message(msg, smtp), hostname="127.0.0.1", port=port)

        async def bare_sms(i):
            msg = OutgoingSms(f"bare{i}", "deadline_warning", f"138{i:08d}", BODY)
            r = await http.post(stub.url, data=aliyun.request_params(msg))
            r.raise_for_status()

        async def sender(label, chans, channel, n):
            rate, statements, cpu = await through_sender(sessions, schema, chans, channel, n,
                                                         concurrency, counter)
            results.append((label, rate, "notices/s", statements, cpu))

        if emails:
            results.append(("e-mail, bare aiosmtplib loop",
                            await bare(emails, concurrency, bare_mail), "notices/s", "", ""))
            await sender("e-mail, notify sender (PostgreSQL claim/record/outbox)", channels,
                         "email", emails)
        if sms:
            results.append(("SMS, bare httpx loop (signed Alibaba form)",
                            await bare(sms, concurrency, bare_sms), "notices/s", "", ""))
            await sender("SMS, notify sender (PostgreSQL claim/record/outbox)", channels, "sms",
                         sms)
            local = Channels(sms=OutboxSmsChannel(Path(folder.name)),
                             email=OutboxEmailChannel(Path(folder.name), smtp))
            await sender("SMS, notify sender, local outbox provider (a file per SMS, durable before it is recorded)",
                         local, "sms", sms)
    finally:
        folder.cleanup()
        await http.aclose()
        await stub.stop()
        controller.stop()
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
        for c in containers:
            c.stop()
    return results


def write_results(args, results: list[Row], notes: str) -> None:
    cmd = (f"uv run python -m bench.notify_throughput --events {args.events} --emails "
           f"{args.emails} --sms {args.sms} --concurrency {args.concurrency}")
    rows = "\n".join(f"| {name} | {rate:,.0f} {unit} | {st} | {cpu} |"
                     for name, rate, unit, st, cpu in results)
    section = (f"## Notify\n\nCommand: `cd /work/main && {cmd}` (consumer: batches of 500 "
               f"through `Pipeline.process_batch`, 30 units on the roster; sender: local aiosmtpd, "
               f"SMS stub and local outbox files, {args.concurrency} sends in flight, claims of "
               f"100; PostgreSQL local, {datetime.now().date()}).\n\n"
               "| path | throughput | SQL statements | CPU (this process) |\n|---|---|---|---|\n"
               f"{rows}\n\n{notes.strip()}\n")
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if "## Notify" in old:
        new = re.sub(r"## Notify\n.*?(?=\n## |\Z)", section.rstrip("\n") + "\n", old, flags=re.S)
    else:
        new = old.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(new, encoding="utf-8")


NOTES = """Shared 2-core machine, other engineers' jobs running: figures vary by ~30 % between runs.
Statement counts are deterministic (an executemany counts once, as one round trip). Real
providers are far slower than loopback (Alibaba's default quota is tens of SMS per second,
enforced by the token bucket), so the provider, not the delivery log, sets the sender's pace."""


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=3000, help="per consumer path; 0 skips them")
    p.add_argument("--emails", type=int, default=1000)
    p.add_argument("--sms", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    a = p.parse_args()
    configure_logging("bench", "WARNING")  # a log line per notice would measure the terminal
    res = asyncio.run(main(a.events, a.emails, a.sms, a.concurrency))
    for name, rate, unit, st, cpu in res:
        print(f"{name:<72} {rate:8.0f} {unit:<10} {st:<36} {cpu}")
    if not a.no_write:
        write_results(a, res, NOTES)
