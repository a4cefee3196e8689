"""The sender as a pipeline: it claims again while sends are still in flight, and a stop records
what was already sent before returning, so a clean restart sends nothing twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from services.notify.wiring import Channels
from tests.integration.notify import events as ev
from tests.integration.notify.harness import LEASE_S
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration


class HoldsOne:
    """The real channel, except that the first message is held at the door until released."""

    def __init__(self, inner) -> None:
        self.inner, self.holding, self.release = inner, asyncio.Event(), asyncio.Event()
        self.held: str | None = None

    async def send(self, message):
        if self.held is None:
            self.held = message.notice_id
            self.holding.set()
            await self.release.wait()
        return await self.inner.send(message)


async def test_a_slow_send_does_not_hold_back_the_next_claims(notify):
    h = notify
    await h.publish(h.topics.roster, *ev.roster())
    await h.wait_inbox(7)
    await h.publish(h.topics.accountability, ev.bulletin())  # one e-mail, to the leader
    await h.publish(h.topics.deadlines, *(ev.warned(f"M-{i:03d}") for i in range(3)))
    await h.wait_notices(13)  # the bulletin's e-mail + 3 yellow cards × 4 notices

    holds = HoldsOne(h.channels.email)
    sender = h.sender("pipeline", Channels(sms=h.channels.sms, email=holds))
    sender._batch = 4  # claims of 4: the held notice sits in the first
    task = asyncio.create_task(sender.run())
    try:
        await asyncio.wait_for(holds.holding.wait(), 10)
        # Every other notice goes out while the first claim's held send is still in flight.
        await wait_for(lambda: h.scalar("SELECT count(*) = 12 FROM {s}.notices "
                                        "WHERE status = 'sent'"), what="12 notices sent")
        assert await h.scalar("SELECT status FROM {s}.notices WHERE notice_id = :n",
                              n=holds.held) == "pending"
        holds.release.set()
        await wait_for(lambda: h.scalar("SELECT count(*) = 13 FROM {s}.notices "
                                        "WHERE status = 'sent'"), what="the held notice sent")
    finally:
        sender.stop()
        await asyncio.wait_for(task, 10)
    per_notice = await h.rows("SELECT notice_id, count(*) FROM {s}.attempts GROUP BY notice_id")
    assert len(per_notice) == 13 and {c for _, c in per_notice} == {1}


async def test_stop_records_the_sends_in_flight_and_nothing_is_sent_again(notify):
    h = notify
    await h.one_email_to_the_leader()

    holds = HoldsOne(h.channels.email)
    sender = h.sender("stopping", Channels(sms=h.channels.sms, email=holds))
    task = asyncio.create_task(sender.run())
    await asyncio.wait_for(holds.holding.wait(), 10)
    sender.stop()  # SIGTERM while the e-mail is on its way
    done, _ = await asyncio.wait({task}, timeout=0.3)
    assert not done, "the sender returned with a send still in flight"
    holds.release.set()
    await asyncio.wait_for(task, 10)  # returns once the send is recorded

    assert await h.scalar("SELECT status FROM {s}.notices") == "sent"
    assert await h.rows("SELECT sender, outcome FROM {s}.attempts") == [("stopping", "sent")]
    h.clock.advance(timedelta(seconds=LEASE_S))  # even after its lease would have expired
    assert await h.drain(h.sender("after restart")) == 0
    assert len(h.smtp.received) == 1
    assert [e.event_type for e in await h.notices_events(1)] == ["notice.sent"]
