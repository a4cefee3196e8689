"""The delivery log's two ways in: one notice (`insert_notice`: the sender's fallbacks, the CLI)
and a batch's notices in one statement (`insert_notices`: the consumer). Same rows either way."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notify import store

pytestmark = pytest.mark.integration

T0 = datetime(2026, 5, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def notice(recipient: str, **changes) -> store.NewNotice:
    row = store.NewNotice(
        source_event_id=uuid.uuid4(), source_event_type="deadline.warned",
        correlation_id=uuid.uuid4(), unit_id="JYJ", kind="deadline_warning",
        recipient_id=recipient, recipient_role="handler", recipient_name="韩承办",
        channel="email", address="han@jyj.gov.cn",
        fallback=[{"channel": "sms", "address": "13800000001"}], urgent=True,
        context={"recipient_name": "韩承办", "item_ref": "M-001", "remaining_working_days": 2},
        subject="【黄牌预警】办件", body_text="正文", body_html="<p>正文</p>",
        not_before=T0 + timedelta(hours=1), created_at=T0)
    return replace(row, **changes)


IDS = {"notice_id": None, "source_event_id": None}  # what differs between the twins


async def rows(h, notice_ids):
    return await h.rows(f"SELECT {store.COLUMNS} FROM {{s}}.notices WHERE notice_id = ANY(:ids) "
                        "ORDER BY notice_id", ids=list(notice_ids))


async def test_a_batch_writes_the_rows_one_insert_each_would(notify):
    h = notify
    pending = notice("P1")
    failed = notice("unit_leader@JYJ", recipient_name=None, address=None, fallback=[],
                    context={}, subject=None, body_text=None, body_html=None, status="failed",
                    last_reason="nobody holds the role unit_leader on the roster today",
                    not_before=T0)
    fallback = notice("P1", channel="sms", address="13800000001", fallback=[],
                      fallback_of="abc", subject=None, body_html=None, urgent=False)
    batch = [pending, failed, fallback]
    async with h.sessions() as s, s.begin():
        await store.insert_notices(s, h.schema, batch)
    twins = [replace(n, source_event_id=uuid.uuid4()) for n in batch]  # other ids, same rows
    async with h.sessions() as s, s.begin():
        for n in twins:
            assert await store.insert_notice(s, h.schema, n)

    written, expected = await rows(h, [n.notice_id for n in batch]), await rows(
        h, [n.notice_id for n in twins])
    by_recipient = lambda rs: sorted(rs, key=lambda r: (r.recipient_id, r.channel))  # noqa: E731
    for got, want in zip(by_recipient(written), by_recipient(expected), strict=True):
        assert got._asdict() | IDS == want._asdict() | IDS
    got = {r.recipient_id + r.channel: r for r in written}
    assert got["P1email"].context["recipient_name"] == "韩承办"  # JSON, not text
    assert got["P1email"].fallback == [{"channel": "sms", "address": "13800000001"}]
    assert got["unit_leader@JYJemail"].permanent is True
    assert got["unit_leader@JYJemail"].finished_at == T0
    assert got["P1email"].permanent is None and got["P1email"].finished_at is None


async def test_the_first_row_of_a_notice_stands(notify):
    h = notify
    first = notice("P1")
    async with h.sessions() as s, s.begin():
        await store.insert_notices(s, h.schema, [first])
    again = replace(first, body_text="再次")  # the same (event, recipient, channel)
    later = replace(notice("P2"), source_event_id=first.source_event_id)
    twice = replace(later, body_text="同一批的第二行")
    async with h.sessions() as s, s.begin():
        await store.insert_notices(s, h.schema, [again, later, twice])
        await store.insert_notices(s, h.schema, [])  # nothing to write: no statement
    texts = {r.recipient_id: r.body_text for r in await rows(h, [first.notice_id,
                                                                  later.notice_id])}
    assert texts == {"P1": "正文", "P2": "正文"}
