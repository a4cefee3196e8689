"""What happens when a sender dies between sending and recording, and when two senders race.

Crash: the SMTP server accepted the message, then the sender task is killed before the record
commits. The claim's lease keeps every other sender away until it expires; then the notice is
sent once more and recorded. Result, asserted below: EXACTLY ONE DUPLICATE (2 copies of the same
e-mail, both with the same Message-ID derived from the notice id, so a mail system can dedupe) —
never more, because the second send is recorded. Without a crash there are no duplicates."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest

from services.notify.wiring import Channels
from tests.integration.notify import events as ev
from tests.integration.notify.harness import LEASE_S

pytestmark = pytest.mark.integration


class DiesAfterSending:
    """The real channel, then the process 'dies': the send succeeded, the record never comes."""

    def __init__(self, inner) -> None:
        self.inner, self.accepted = inner, asyncio.Event()

    async def send(self, message):
        result = await self.inner.send(message)
        assert result.sent
        self.accepted.set()
        await asyncio.Event().wait()  # hang here until the test kills the task


async def test_crash_between_send_and_record_gives_at_most_one_duplicate(notify):
    h = notify
    await h.one_email_to_the_leader()

    crashing = DiesAfterSending(h.channels.email)
    doomed = h.sender("doomed", Channels(sms=h.channels.sms, email=crashing))
    task = asyncio.create_task(doomed.run_once())
    await asyncio.wait_for(crashing.accepted.wait(), 10)
    task.cancel()  # killed after the SMTP server said 250, before the record committed
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(h.smtp.received) == 1
    assert await h.scalar("SELECT count(*) FROM {s}.attempts") == 0  # nothing recorded

    survivor = h.sender("survivor")
    assert await h.drain(survivor) == 0  # the dead sender's lease still holds the notice
    h.clock.advance(timedelta(seconds=LEASE_S))
    assert await h.drain(survivor) == 1  # lease expired: taken over and sent again
    assert await h.drain(survivor) == 0  # ... and only once

    copies = h.smtp.received
    assert len(copies) == 2, "at most one duplicate per crash; here exactly one"
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]  # the receiver can dedupe
    notice_id = await h.scalar("SELECT notice_id FROM {s}.notices")
    assert copies[0]["Message-ID"] == f"<notice.{notice_id}@county.gov.cn>"
    assert await h.scalar("SELECT status FROM {s}.notices") == "sent"
    attempts = await h.rows("SELECT sender, outcome FROM {s}.attempts")
    assert attempts == [("survivor", "sent")]
    out = await h.notices_events(1)
    assert [e.event_type for e in out] == ["notice.sent"]


async def test_two_senders_racing_send_each_notice_once(notify):
    h = notify
    await h.publish(h.topics.roster, *ev.roster())
    await h.wait_inbox(7)
    await h.publish(h.topics.deadlines, *(ev.warned(f"M-{i:03d}") for i in range(15)))
    await h.wait_notices(60)  # 15 yellow cards × (liaison, handler) × (sms, e-mail)

    a, b = h.sender("a"), h.sender("b")
    a._batch = b._batch = 7  # small claims, so the two really interleave

    async def loop(sender):
        sent = 0
        while n := await sender.run_once():
            sent += n
            await asyncio.sleep(0)
        return sent

    by_a, by_b = await asyncio.gather(loop(a), loop(b))
    assert by_a + by_b == 60 and by_a > 0 and by_b > 0
    ids = Counter(m["Message-ID"] for m in h.smtp.received)
    assert len(ids) == 30 and set(ids.values()) == {1}
    out_ids = Counter(r["OutId"] for r in h.stub.requests)
    assert len(out_ids) == 30 and set(out_ids.values()) == {1}
    per_notice = await h.rows("SELECT notice_id, count(*) FROM {s}.attempts GROUP BY notice_id")
    assert len(per_notice) == 60 and {c for _, c in per_notice} == {1}


class Gated:
    """The real channel, held at the door until the test opens it: a send slower than the lease."""

    def __init__(self, inner) -> None:
        self.inner, self.waiting, self.gate = inner, asyncio.Event(), asyncio.Event()

    async def send(self, message):
        self.waiting.set()
        await self.gate.wait()
        return await self.inner.send(message)


async def test_a_send_outliving_its_lease_is_recorded_as_lost_and_changes_nothing(notify):
    h = notify
    await h.one_email_to_the_leader()

    gated = Gated(h.channels.email)
    slow = h.sender("slow", Channels(sms=h.channels.sms, email=gated))
    task = asyncio.create_task(slow.run_once())
    await asyncio.wait_for(gated.waiting.wait(), 10)
    h.clock.advance(timedelta(seconds=LEASE_S))
    assert await h.drain(h.sender("fast")) == 1  # the lease expired: taken over, sent, recorded
    gated.gate.set()
    assert await task == 1  # the slow send lands now, after the notice was recorded as sent

    attempts = await h.rows("SELECT sender, outcome, lease_lost, attempt_no FROM {s}.attempts "
                            "ORDER BY id")
    assert attempts == [("fast", "sent", False, 1), ("slow", "sent", True, 2)]
    row = await h.rows("SELECT status, claim_token, claimed_by FROM {s}.notices")
    assert row == [("sent", None, "fast")]
    # One NoticeSent, the recorded send's, and nothing else about this notice.
    assert [e.event_type for e in await h.all_notices_events()] == ["notice.sent"]
    assert len(h.smtp.received) == 2  # the duplicate the lease could not prevent


async def test_a_crash_window_resend_through_the_local_outbox_is_counted_not_doubled(
        notify, tmp_path):
    """The local outbox absorbs the re-send (one file per notice id), and the survivor's
    attempt says so: the delivery log counts crash-window re-sends instead of hiding them."""
    from services.notify.channels import OutboxEmailChannel, SmtpSettings
    from services.notify.channels.outbox import ALREADY_THERE

    h = notify
    await h.one_email_to_the_leader()
    files = OutboxEmailChannel(tmp_path, SmtpSettings(host="unused", port=25,
                                                      from_address="xiaoneng@county.gov.cn"))
    crashing = DiesAfterSending(files)
    doomed = h.sender("doomed", Channels(sms=h.channels.sms, email=crashing))
    task = asyncio.create_task(doomed.run_once())
    await asyncio.wait_for(crashing.accepted.wait(), 10)
    task.cancel()  # the file is durable, the record never committed
    with pytest.raises(asyncio.CancelledError):
        await task

    survivor = h.sender("survivor", Channels(sms=h.channels.sms, email=files))
    h.clock.advance(timedelta(seconds=LEASE_S))
    assert await h.drain(survivor) == 1
    assert len(list(tmp_path.rglob("*.eml"))) == 1  # nobody got it twice
    attempts = await h.rows("SELECT sender, outcome, reason FROM {s}.attempts")
    assert attempts == [("survivor", "sent", ALREADY_THERE)]
    assert await h.scalar("SELECT status FROM {s}.notices") == "sent"


class DiesAfterSendingAll:
    """The real channel for `expected` messages, then the process 'dies' before recording."""

    def __init__(self, inner, expected: int) -> None:
        self.inner, self.expected, self.sent = inner, expected, 0
        self.all_accepted = asyncio.Event()

    async def send(self, message):
        result = await self.inner.send(message)
        assert result.sent
        self.sent += 1
        if self.sent == self.expected:
            self.all_accepted.set()
        await asyncio.Event().wait()


class DiesBeforeSending:
    """The process 'dies' after the claim, before the message left."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()

    async def send(self, message):
        self.reached.set()
        await asyncio.Event().wait()


async def test_a_crash_window_sms_alibaba_already_took_is_recorded_not_sent_again(notify):
    """The SMS reached Alibaba, the sender died before recording it. The sender that takes the
    notice over finds the OutId in Alibaba's record of the day's sends and records that send:
    no second SMS."""
    h = notify
    await h.publish(h.topics.roster, *ev.roster())
    await h.wait_inbox(7)
    await h.publish(h.topics.deadlines, ev.warned("M-1"))
    await h.wait_notices(4)
    crashing = DiesAfterSendingAll(h.channels.sms, expected=2)
    doomed = h.sender("doomed", Channels(sms=crashing, email=h.channels.email))
    task = asyncio.create_task(doomed.run_once())
    await asyncio.wait_for(crashing.all_accepted.wait(), 10)
    await h.wait_notices(2, where="status = 'sent'")  # the e-mails, recorded
    task.cancel()  # both SMS accepted by Alibaba, their record never committed
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(h.stub.sends()) == 2

    survivor = h.sender("survivor")
    h.clock.advance(timedelta(seconds=LEASE_S))
    assert await h.drain(survivor) == 2
    assert len(h.stub.sends()) == 2, "no SMS sent twice"
    assert {q["PhoneNumber"] for q in h.stub.queries()} == {"13800000001", "13800000002"}
    sms = await h.rows("SELECT a.sender, a.outcome, a.reason FROM {s}.attempts a "
                       "JOIN {s}.notices n USING (notice_id) WHERE n.channel = 'sms'")
    assert len(sms) == 2 and all(s == "survivor" and o == "sent" for s, o, _ in sms)
    assert all(r.startswith("already accepted by Alibaba at ") for _, _, r in sms)
    assert await h.scalar("SELECT count(*) FROM {s}.notices WHERE status = 'sent'") == 4
    assert [e.event_type for e in await h.notices_events(4)] == ["notice.sent"] * 4


async def test_a_crash_before_the_sms_left_sends_it_once_after_asking(notify):
    """The sender died after its claim, before the SMS left: Alibaba has no such send, so the
    sender that takes it over sends it, once."""
    h = notify
    await h.publish(h.topics.roster, *ev.roster())
    await h.wait_inbox(7)
    await h.publish(h.topics.deadlines, ev.warned("M-1"))
    await h.wait_notices(4)
    dying = DiesBeforeSending()
    doomed = h.sender("doomed", Channels(sms=dying, email=h.channels.email))
    task = asyncio.create_task(doomed.run_once())
    await asyncio.wait_for(dying.reached.wait(), 10)
    await h.wait_notices(2, where="status = 'sent'")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert h.stub.sends() == []

    h.clock.advance(timedelta(seconds=LEASE_S))
    assert await h.drain(h.sender("survivor")) == 2
    assert len(h.stub.queries()) == 4  # today and yesterday, for each of the two
    assert Counter(r["OutId"] for r in h.stub.sends()) == Counter(
        {n: 1 for n in await _sms_notice_ids(h)})


async def _sms_notice_ids(h) -> list[str]:
    return [r[0] for r in await h.rows("SELECT notice_id FROM {s}.notices WHERE channel = 'sms'")]


async def test_a_plain_retry_is_not_a_takeover_and_asks_nothing(notify):
    """A transient failure is recorded (the lease is cleared): its retry is sent without asking
    Alibaba, which is asked only about notices whose earlier sender never recorded."""
    h = notify
    await h.publish(h.topics.roster, *ev.roster())
    await h.wait_inbox(7)
    h.stub.fail_times(2)  # both SMS refused for now: isv.BUSINESS_LIMIT_CONTROL
    await h.publish(h.topics.deadlines, ev.warned("M-1"))
    await h.wait_notices(4)
    await h.drain()
    assert await h.scalar("SELECT count(*) FROM {s}.notices WHERE status = 'pending'") == 2
    h.clock.advance(timedelta(hours=1))
    assert await h.drain() == 2
    assert await h.scalar("SELECT count(*) FROM {s}.notices WHERE status = 'sent'") == 4
    assert len(h.stub.sends()) == 4 and h.stub.queries() == []
