"""Every notifiable event over the real broker and database reaches the right people on the
right channels through a real SMTP server and the SMS-provider stub; NoticeSent/NoticeFailed
follow on xn.notices with the correlation id of the event that caused them."""

from __future__ import annotations

from collections import Counter

import pytest

from shared.events.accountability import AppealRuled
from shared.events.roster import UnitRegistered
from shared.events.vocab import UnitKind
from tests.integration.notify import events as ev

pytestmark = pytest.mark.integration


async def test_each_event_kind_reaches_its_recipients(notify):
    h = notify
    await h.publish(h.topics.roster, *ev.roster(),
                    ev.wrap(UnitRegistered(unit_id="CZJ", name="县财政局",
                                           kind=UnitKind.department), "CZJ"))
    await h.wait_inbox(8)
    filed = ev.filed()
    await h.publish(h.topics.deadlines, ev.warned("M-001"), ev.missed("M-002"))
    await h.publish(h.topics.accountability, ev.measure("MS-1", "admonition", "效能告诫", "H1"),
                    ev.measure("MS-2", "supervision", "督办", None, working_days=10),
                    ev.appeal("MS-1"), ev.bulletin())
    await h.publish(h.topics.complaints, filed, ev.concluded(cause=filed))
    await h.wait_notices(26)

    rows = await h.rows("SELECT kind, recipient_id, channel, status FROM {s}.notices")
    got = {(k, r, c) for k, r, c, _ in rows}
    both = lambda kind, *people: {(kind, p, c) for p in people for c in ("sms", "email")}  # noqa: E731
    assert got == (both("deadline_warning", "L1", "H1")                # yellow: liaison + handler
                   | both("deadline_missed", "L1", "H1", "D1")        # red: + the unit leader
                   | both("measure_decided", "H1", "D1")              # person concerned + leader
                   | both("supervision_ordered", "L1", "D1")          # 督办: the unit answers
                   | both("appeal_outcome", "H1", "D1")               # appellant + leader
                   | {("complaint_acknowledged", "complainant.TS-1", "sms"),  # e-mail = fallback
                      ("complaint_result", "complainant.TS-1", "sms"),
                      ("monthly_bulletin", "D1", "email"),            # leaders, by e-mail
                      ("monthly_bulletin", "unit_leader@CZJ", "email")})
    # 县财政局 has no leader on the roster: recorded as failed at once, never silently skipped.
    assert Counter(s for *_, s in rows) == {"pending": 25, "failed": 1}

    assert await h.drain(h.sender("s1")) == 25
    assert len(h.smtp.received) == 12 and len(h.stub.requests) == 13
    subjects = {m["To"].addresses[0].addr_spec + " " + str(m["Subject"]) for m in h.smtp.received}
    assert any("leader@jyj" in s and "效能建设情况通报" in s for s in subjects)
    assert any("10个工作日内" in s for s in subjects), subjects  # 督办 states its allowance
    sms_by_phone = Counter(r["PhoneNumbers"] for r in h.stub.requests)
    assert sms_by_phone == {"13800000001": 3, "13800000002": 4, "13800000003": 4,
                            "13900000009": 2}
    texts = await h.rows("SELECT kind, body_text FROM {s}.notices WHERE channel = 'sms'")
    assert all(t.startswith("【县效能办】") for _, t in texts)
    assert any("红牌" in t for k, t in texts if k == "deadline_missed")
    assert any("陈女士" in t and "TS-1" in t for k, t in texts if k == "complaint_result")
    # The SMS OutId is the notice id: the provider's receipts and a re-send are recognisable.
    ids = {r[0] for r in await h.rows("SELECT notice_id FROM {s}.notices WHERE channel='sms'")}
    assert {r["OutId"] for r in h.stub.requests} == ids

    out = await h.notices_events(26)
    assert Counter(e.event_type for e in out) == {"notice.sent": 25, "notice.failed": 1}
    result = [e for e in out if e.event_type == "notice.sent"
              and e.payload["recipient_id"] == "complainant.TS-1"]
    # One correlation id from the complaint's filing to the SMS that tells the result.
    assert {e.correlation_id for e in result} == {filed.correlation_id}
    assert await h.scalar("SELECT count(*) FROM {s}.attempts") == 25


async def test_revisions_are_told_as_changes_and_withdrawals(notify):
    """A measure changed after it was announced (a late-recorded earlier fault recounted it, also
    while its appeal is pending) is announced again as a change, to the liaison too when it
    replaces a 督办; one withdrawn (its fault exempted) is announced as withdrawn, and decided
    again later as a new decision; the rung a 'reduced' ruling set is left to appeal.ruled, which
    names the measure appealed against. Two batches, so the second reads what the first stored."""
    h = notify
    await h.publish(h.topics.roster, *ev.roster())
    await h.wait_inbox(7)
    first = ev.measure("MS-1", "reminder", "提醒", "H1")
    recounted = ev.measure("MS-1", "admonition", "效能告诫", "H1", revision=1)
    await h.publish(h.topics.accountability, first, recounted,
                    ev.measure("MS-2", "supervision", "督办", None, working_days=10),
                    ev.measure("MS-3", "public_criticism", "通报批评", "H1"),
                    ev.measure("MS-4", "supervision", "督办", "H1", working_days=10))
    await h.wait_inbox(12)
    exempted = ev.measure("MS-1", "admonition", "效能告诫", "H1", revision=2, superseded=True)
    again = ev.measure("MS-1", "admonition", "效能告诫", "H1", revision=3)
    order_gone = ev.measure("MS-2", "supervision", "督办", None, working_days=10, revision=1,
                            superseded=True)
    while_frozen = ev.measure("MS-3", "admonitory_talk", "诫勉谈话", "H1", revision=1,
                              status="frozen")
    # As accountability names it: the code when ruled on, which the recount above moved.
    ruled = ev.wrap(AppealRuled(appeal_id="SS-3", measure_id="MS-3", person_id="H1",
                                unit_id="JYJ", decision="reduced", new_measure="admonition",
                                original_measure="admonitory_talk", ruled_at=ev.WHEN),
                    "MS-3", producer="accountability", unit_id="JYJ")
    escalated = ev.measure("MS-4", "admonition", "效能告诫", "H1", revision=1)
    await h.publish(h.topics.accountability, exempted, again, order_gone, while_frozen,
                    ev.measure("MS-3", "admonition", "效能告诫", "H1", revision=2,
                               status="in_force", appeal_ruling="reduced"),
                    ruled, escalated)
    await h.wait_inbox(19)
    rows = await h.rows("SELECT kind, recipient_id, channel, status, body_text, source_event_id "
                        "FROM {s}.notices")
    sms = Counter((k, r) for k, r, c, *_ in rows if c == "sms")
    assert sms == {
        # MS-1 first, recounted, decided again; MS-3 first, recounted while frozen; MS-4 escalated
        ("measure_decided", "H1"): 6, ("measure_decided", "D1"): 6,
        ("measure_decided", "L1"): 1,                   # MS-4 replaces the 督办 the unit was given
        ("supervision_ordered", "L1"): 2, ("supervision_ordered", "D1"): 2,
        ("supervision_ordered", "H1"): 1,               # MS-4 names the handler
        ("measure_withdrawn", "H1"): 1, ("measure_withdrawn", "D1"): 2,
        ("measure_withdrawn", "L1"): 1,                 # the unit was told to rectify
        ("appeal_outcome", "H1"): 1,                    # the reduction: told once, by the ruling
        ("appeal_outcome", "D1"): 1,                    # and to the leader, about the appellant
    }, sms
    assert Counter(c for _, _, c, *_ in rows) == {"sms": 24, "email": 24}
    assert {s for _, _, _, s, *_ in rows} == {"pending"}
    text = {(e, r): t for _, r, c, _, t, e in rows if c == "sms"}
    assert "给予提醒" in text[first.event_id, "H1"] and "变更" not in text[first.event_id, "H1"]
    assert "原提醒决定变更为对韩承办给予效能告诫" in text[recounted.event_id, "H1"]
    assert "效能告诫决定（MS-1）经重新核定已撤销" in text[exempted.event_id, "D1"]
    assert "决定对韩承办给予效能告诫" in text[again.event_id, "H1"]      # a new decision
    assert "变更" not in text[again.event_id, "H1"]
    assert "督办决定（MS-2）经重新核定已撤销" in text[order_gone.event_id, "L1"]
    assert "原通报批评决定变更为对韩承办进行诫勉谈话" in text[while_frozen.event_id, "H1"]
    assert "由“诫勉谈话”变更为“效能告诫”" in text[ruled.event_id, "H1"]
    assert "邓局长同志：韩承办对MS-3" in text[ruled.event_id, "D1"]
    assert "原督办决定变更为对韩承办给予效能告诫" in text[escalated.event_id, "L1"]
    # Sent as any notice is.
    assert await h.drain(h.sender("s1")) == 48
    assert len(h.stub.requests) == 24 and len(h.smtp.received) == 24
    subjects = {str(m["Subject"]) for m in h.smtp.received}
    assert "关于撤销对韩承办给予效能告诫决定的通知（MS-1）" in subjects, subjects


async def test_a_confirmed_rectification_closes_the_supervision_order_for_the_unit(notify):
    """督办销号: the rectification clock met (on time or late) is told to the unit's liaison and
    leader; other clocks met concern nobody's phone."""
    h = notify
    await h.publish(h.topics.roster, *ev.roster())
    await h.wait_inbox(7)
    on_time = ev.met("MS-7", kind="rectification", handler_id=None)
    late = ev.met("MS-8", late_by=2, kind="rectification", handler_id=None)
    await h.publish(h.topics.deadlines, on_time, late, ev.met("M-001"))
    await h.wait_inbox(10)
    rows = await h.rows("SELECT kind, recipient_id, channel, body_text, source_event_id "
                        "FROM {s}.notices")
    assert Counter((k, r, c) for k, r, c, *_ in rows) == {
        ("supervision_closed", p, c): 2 for p in ("L1", "D1") for c in ("sms", "email")}
    text = {(e, r): t for _, r, c, t, e in rows if c == "sms"}
    assert "督办事项（MS-7）整改情况已经确认，予以销号。" in text[on_time.event_id, "L1"]
    assert "超出整改时限2个工作日" in text[late.event_id, "D1"]
    assert await h.drain(h.sender("s1")) == 8
