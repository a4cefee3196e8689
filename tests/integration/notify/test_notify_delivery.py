"""Delivery guarantees over the real broker and database: retry then success, permanent failure
with fallback, duplicate events, quiet hours (with a ManualClock) and the operator command."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.notify import cli
from shared.events.roster import PersonRegistered
from tests.integration.notify import events as ev
from tests.integration.notify.conftest import SH

pytestmark = pytest.mark.integration


async def _roster(h) -> None:
    await h.publish(h.topics.roster, *ev.roster())
    await h.wait_inbox(7)


async def test_smtp_451_twice_then_250_is_retried_with_backoff_and_sent_once(notify):
    h = notify
    await _roster(h)
    h.smtp.script["handler@jyj.gov.cn"] = ["451 4.3.0 try again later"] * 2
    await h.publish(h.topics.deadlines, ev.warned("M-7"))
    await h.wait_notices(4)
    where = "channel = 'email' AND recipient_id = 'H1'"

    await h.drain()
    first = await h.rows(f"SELECT status, attempts, not_before FROM {{s}}.notices WHERE {where}")
    assert first[0][:2] == ("pending", 1)
    assert first[0][2] == h.clock.now() + timedelta(seconds=60)  # backoff, on the injected clock
    assert await h.drain() == 0  # nothing is due before the retry time

    h.clock.advance(timedelta(seconds=60))
    await h.drain()
    second = await h.rows(f"SELECT status, not_before FROM {{s}}.notices WHERE {where}")
    assert second[0][0] == "pending"
    assert second[0][1] == h.clock.now() + timedelta(seconds=120)  # doubled

    h.clock.advance(timedelta(seconds=120))
    await h.drain()
    outcomes = await h.rows("SELECT a.outcome, a.reason FROM {s}.attempts a JOIN {s}.notices n "
                            f"USING (notice_id) WHERE {where} ORDER BY a.id")
    assert [o for o, _ in outcomes] == ["transient_failure", "transient_failure", "sent"]
    assert outcomes[0][1].startswith("SMTP 451")
    to_handler = [m for m in h.smtp.received if "handler@" in str(m["To"])]
    assert len(to_handler) == 1
    out = await h.notices_events(4)
    assert sorted(e.event_type for e in out) == ["notice.sent"] * 4


async def test_invalid_number_fails_for_good_falls_back_to_email_and_can_be_resent(notify, capsys):
    h = notify
    await _roster(h)
    h.stub.replies.append((200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "bad number"}))
    await h.publish(h.topics.complaints, ev.filed("TS-9"))
    await h.wait_notices(1)
    assert await h.drain() == 2  # the SMS, then the fallback e-mail it created

    rows = await h.rows("SELECT notice_id, channel, status, permanent, fallback_of "
                        "FROM {s}.notices ORDER BY created_at, channel DESC")
    sms = next(r for r in rows if r[1] == "sms")
    email = next(r for r in rows if r[1] == "email")
    assert sms[2:4] == ("failed", True)
    assert email[2] == "sent" and email[4] == sms[0]
    assert [m["To"].addresses[0].addr_spec for m in h.smtp.received] == ["citizen@example.com"]
    assert "效能投诉" in str(h.smtp.received[0]["Subject"])
    out = await h.notices_events(2)
    failed = next(e for e in out if e.event_type == "notice.failed")
    assert failed.payload["permanent"] is True and failed.payload["channel"] == "sms"
    assert "isv.MOBILE_NUMBER_ILLEGAL" in failed.payload["reason"]

    # The operator lists failed notices (masked), looks at one, and resends it.
    args = dict(database_url=h.engine.url.render_as_string(hide_password=False), schema=h.schema)
    assert await cli.run(["failed"], **args) == 0
    listed = capsys.readouterr().out
    assert sms[0] in listed and "139****0009" in listed and "13900000009" not in listed
    assert await cli.run(["show", sms[0]], **args) == 0
    shown = capsys.readouterr().out
    assert "permanent_failure" in shown and "13900000009" not in shown
    assert await cli.run(["resend", sms[0]], **args) == 0
    assert await cli.run(["resend", sms[0]], **args) == 1  # already queued: refused, no twin
    await h.drain()  # the stub now answers OK
    assert await h.scalar("SELECT status FROM {s}.notices WHERE notice_id = :i", i=sms[0]) == "sent"
    assert len(h.stub.requests) == 2


async def test_smtp_550_is_permanent_and_the_other_channel_still_goes(notify):
    h = notify
    await _roster(h)
    h.smtp.refuse["leader@jyj.gov.cn"] = "550 5.1.1 mailbox unavailable"
    await h.publish(h.topics.deadlines, ev.missed("M-8"))
    await h.wait_notices(6)
    await h.drain()
    rows = dict(await h.rows("SELECT channel, status FROM {s}.notices WHERE recipient_id='D1'"))
    assert rows == {"email": "failed", "sms": "sent"}  # the leader still hears it, by SMS
    reason = await h.scalar("SELECT last_reason FROM {s}.notices WHERE recipient_id='D1' "
                            "AND channel='email'")
    assert reason.startswith("SMTP 550") and "leader@" not in reason


async def test_a_duplicated_event_sends_once(notify):
    h = notify
    await _roster(h)
    warned = ev.warned("M-9")
    await h.publish(h.topics.deadlines, warned, warned)  # a producer retry, say
    await h.wait_inbox(8)
    await h.drain(h.sender("a"))
    # Even without the inbox (a replica that lost it, a replay) the unique notice key holds:
    from services.notify.handlers import make_handler
    from shared.messaging.pipeline import Tx
    async with h.sessions() as s, s.begin():
        await make_handler(h.deps)(Tx(s, h.schema, h.clock), warned)
    await h.drain(h.sender("b"))
    assert await h.scalar("SELECT count(*) FROM {s}.notices") == 4
    assert len(h.smtp.received) == 2 and len(h.stub.requests) == 2


async def test_quiet_hours_hold_non_urgent_sms_until_seven(notify):
    h = notify
    await _roster(h)
    h.clock.set(datetime(2026, 5, 12, 23, 0, tzinfo=SH))
    await h.publish(h.topics.deadlines, ev.missed("M-10"), ev.warned("M-11"))
    await h.wait_notices(10)
    await h.drain()
    sent = await h.rows("SELECT kind, channel FROM {s}.notices WHERE status = 'sent'")
    # Red cards are not urgent: their SMS wait; e-mail and the urgent yellow card go at once.
    assert sorted(sent) == sorted([("deadline_missed", "email")] * 3
                                  + [("deadline_warning", "email")] * 2
                                  + [("deadline_warning", "sms")] * 2)
    held = await h.rows("SELECT not_before FROM {s}.notices WHERE status = 'pending'")
    assert {nb.astimezone(SH) for (nb,) in held} == {datetime(2026, 5, 13, 7, 0, tzinfo=SH)}

    h.clock.set(datetime(2026, 5, 13, 6, 59, tzinfo=SH))
    assert await h.drain() == 0
    h.clock.set(datetime(2026, 5, 13, 7, 0, tzinfo=SH))
    assert await h.drain() == 3
    assert len(h.stub.requests) == 5


async def test_resend_uses_the_corrected_roster_number(notify):
    h = notify
    await _roster(h)
    h.stub.replies.append((200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "bad"}))
    await h.publish(h.topics.accountability, ev.measure("MS-5", "reminder", "提醒", "H1"))
    await h.wait_notices(4)
    await h.drain()  # the scripted failure lands on whichever SMS goes first
    failed = await h.rows("SELECT notice_id, recipient_id FROM {s}.notices WHERE status='failed'")
    assert len(failed) == 1
    notice_id, person = failed[0]
    phone = "13700000000"
    name = {"H1": "韩承办", "D1": "邓局长"}[person]
    await h.publish(h.topics.roster, ev.wrap(PersonRegistered(
        person_id=person, name=name, unit_id="JYJ", phone=phone), "JYJ"))
    await h.wait_inbox(9)
    args = dict(database_url=h.engine.url.render_as_string(hide_password=False), schema=h.schema)
    assert await cli.run(["resend", notice_id], **args) == 0
    await h.drain()
    assert h.stub.requests[-1]["PhoneNumbers"] == phone
