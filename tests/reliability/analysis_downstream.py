"""Deadlines' timers against their rows, accountability's faults, notify's notices and files,
and the dead-letter topic against the poison injected."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

from services.notify.channels.outbox import ALREADY_THERE
from services.deadlines.codec import card_event_id
from services.deadlines.domain.lifecycle import OVERDUE_ID
from shared.envelope import Envelope
from tests.reliability.analysis_flow import RunData, envelopes
from tests.reliability.report import Tally

NOTIFIED = {"complaint.filed", "complaint.concluded", "deadline.warned", "deadline.missed"}


def notified(env: Envelope) -> bool:
    """Whether notify must have planned notices for this event. deadline.met: only a
    rectification clock's (督办销号). measure.decided: a decision, a
    change (frozen by a pending appeal or not) or a withdrawal is told; a revoked measure and a
    reduction on appeal are appeal.ruled's to tell. (Notify consumes every measure.decided,
    so each withdrawal follows a decision it recorded; a reduced measure recounted later is
    told too but not required here.)"""
    if env.event_type == "deadline.met":  # 督办销号; other clocks met concern nobody's phone
        return env.payload["deadline"]["kind"] == "rectification"
    if env.event_type != "measure.decided":
        return env.event_type in NOTIFIED
    p = env.payload
    if p.get("status") == "revoked":
        return False
    return bool(p.get("superseded")) or p.get("appeal_ruling") != "reduced"


def card_action(env: Envelope) -> str:
    """The poller's action id of a card: '75%' → 'pct75', '2wd' → 'wd2', a red card 'overdue'
    (the inverse of deadlines' warning_label)."""
    if env.event_type == "deadline.missed":
        return OVERDUE_ID
    label = env.payload["warning"]
    if label.endswith("%"):
        return f"pct{label[:-1]}"
    return f"wd{label[:-2]}" if label.endswith("wd") else label


async def check_timers(data: RunData, tally: Tally, deadline_events: list[Envelope],
                       now) -> None:
    """Every deadline fired exactly once, against its row: each action the row records as fired
    has its card on the topic under the id (deadline, round, action); each card on the topic
    is one the row fired (this round) or fired in an earlier round; an open row has fired every
    warning and its red card already due (a minute of slack). (That each card was emitted by
    one outbox row only is `check_emitted_once`'s.)"""
    conn = await asyncpg.connect(data.dsn)
    try:
        rows = await conn.fetch("SELECT deadline_id, round, status, due_at, state->'fired' AS "
                                "fired, schedule->'warnings' AS warnings FROM deadlines.deadlines")
    finally:
        await conn.close()
    judge_firing([dict(r) for r in rows], deadline_events, now, tally)


def judge_firing(rows: list[dict], deadline_events: list[Envelope], now, tally: Tally) -> None:
    """check_timers' judgement over the deadline rows (fired and warnings as JSON text)."""
    cards = {e.event_id: e for e in deadline_events
             if e.event_type in ("deadline.warned", "deadline.missed")}
    by_row = {r["deadline_id"]: r for r in rows}
    fired_by_row = {r["deadline_id"]: frozenset(json.loads(r["fired"] or "[]")) for r in rows}
    late = now - timedelta(minutes=1)
    tally.count("deadlines.rows", len(rows))
    tally.count("deadlines.cards", len(cards))
    for r in rows:
        fired = fired_by_row[r["deadline_id"]]
        if r["status"] == "lapsed":  # a lapsed window (退单, appeal) fires without a card
            fired = fired - {OVERDUE_ID}
        for action in fired:
            if card_event_id(r["deadline_id"], r["round"], action) not in cards:
                tally.flag("lost", "deadlines.card_published", f"{r['deadline_id']} {action}")
        if r["status"] != "open" or r["due_at"] is None or OVERDUE_ID in fired:
            continue
        if r["due_at"] < late:  # a durable timer that never went off
            tally.flag("lost", "deadlines.timer_never_fired", r["deadline_id"])
            continue
        for w in json.loads(r["warnings"] or "[]"):  # a yellow card that never went off
            if w["id"] not in fired and datetime.fromisoformat(w["at"]) < late:
                tally.flag("lost", "deadlines.warning_never_fired", f"{r['deadline_id']} {w['id']}")
    for eid, e in cards.items():
        did, action = e.payload["deadline"]["deadline_id"], card_action(e)
        row = by_row.get(did)
        if row is None:
            tally.flag("unexpected", "deadlines.card_without_row", f"{did} {action}")
            continue
        rounds = [n for n in range(row["round"] + 1) if card_event_id(did, n, action) == eid]
        if not rounds:  # not the poller's id for this deadline and action: minted elsewhere
            tally.flag("unexpected", "deadlines.card_id", f"{did} {action} {eid}")
        elif rounds == [row["round"]] and action not in fired_by_row[did]:
            tally.flag("unexpected", "deadlines.card_not_fired_by_row", f"{did} {action}")


async def check_accountability(data: RunData, tally: Tally, deadline_events: list[Envelope]) -> None:
    """Every red card and finding became one fault; one fault.recorded id per fault row; one
    measure.decided id per measure row and revision."""
    conn = await asyncpg.connect(data.dsn)
    try:
        faults = await conn.fetch("SELECT fault_id::text, subject_id, body FROM accountability.faults")
        measures = await conn.fetchval("SELECT count(*) FROM accountability.measures")
    finally:
        await conn.close()
    evidence = set()
    for f in faults:
        body = json.loads(f["body"]) if isinstance(f["body"], str) else f["body"]
        evidence |= set(map(str, body.get("evidence", [])))
    subjects = {f["subject_id"] for f in faults}
    tally.count("accountability.faults", len(faults))
    for e in deadline_events:
        if e.event_type == "deadline.missed" and str(e.event_id) not in evidence:
            tally.flag("lost", "accountability.fault_for_red_card", e.payload["deadline"]["deadline_id"])
    for f in data.accepted_facts():
        if f.type == "inspection.finding_recorded" and f.data["finding_id"] not in subjects:
            tally.flag("lost", "accountability.fault_for_finding", f.data["finding_id"])
    ids: dict[tuple, set] = defaultdict(set)
    for _, env in envelopes(data, "xn.accountability", tally):
        p = env.payload
        if env.event_type == "fault.recorded":
            ids[("fault", p["fault_id"])].add(env.event_id)
        elif env.event_type == "measure.decided":
            ids[("measure", p["measure_id"], p.get("revision"))].add(env.event_id)
    for key, s in ids.items():
        if len(s) > 1:
            tally.flag("duplicated", f"accountability.{key[0]}", f"{key[1:]}: {len(s)} ids")
    recorded = {k[1] for k in ids if k[0] == "fault"}
    for f in faults:
        if f["fault_id"] not in recorded:
            tally.flag("lost", "accountability.fault_published", f["fault_id"])
    tally.notes["faults"], tally.notes["measure_rows"] = len(faults), measures


async def check_notify(data: RunData, tally: Tally, outbox_dir: Path,
                       sources: list[Envelope]) -> None:
    """Each notifiable event has notices; each notice is sent, once, with one file; crash-window
    re-sends (a send whose record died with the process) are counted, not hidden."""
    conn = await asyncpg.connect(data.dsn)
    try:
        notices = await conn.fetch("SELECT notice_id, source_event_id, status, channel "
                                   "FROM notify.notices")
        sent_attempts = Counter(r[0] for r in await conn.fetch(
            "SELECT notice_id FROM notify.attempts WHERE outcome = 'sent'"))
        # A send that found its file already there: the first send's record died with notify.
        already = await conn.fetchval(
            "SELECT count(*) FROM notify.attempts WHERE outcome = 'sent' AND reason = $1",
            ALREADY_THERE)
    finally:
        await conn.close()
    tally.count("notify.notices", len(notices))
    by_source = Counter(r["source_event_id"] for r in notices)
    for env in sources:
        if notified(env) and by_source[env.event_id] == 0:
            tally.flag("lost", "notify.notice_for_event", f"{env.event_type} {env.event_id}")
    files = Counter(p.stem for p in outbox_dir.glob("*/*/*") if not p.name.startswith(".tmp"))
    for r in notices:
        nid = r["notice_id"]
        if r["status"] != "sent":
            tally.flag("lost", "notify.not_sent", f"{nid} {r['status']}")
        elif files[nid] == 0:
            tally.flag("lost", "notify.file", nid)
        if files[nid] > 1:
            tally.flag("duplicated", "notify.file", f"{nid}: {files[nid]} files")
    for stem in set(files) - {r["notice_id"] for r in notices}:
        tally.flag("unexpected", "notify.file_without_notice", stem)
    sent_ids: dict[str, set] = defaultdict(set)
    for _, env in envelopes(data, "xn.notices", tally):
        if env.event_type == "notice.sent":
            sent_ids[env.payload["notice_id"]].add(env.event_id)
    tally.notes["notices_sent"] = sum(1 for r in notices if r["status"] == "sent")
    # A crash-window re-send leaves one attempt row (the first send's record never committed)
    # whose reason says the file was there; two 'sent' rows mean a twin recorded after a lost
    # lease. Neither reaches anyone twice through the local outbox, and both are reported.
    tally.notes["crash_window_resends_file_there"] = already
    tally.notes["crash_window_resends_attempts"] = sum(n - 1 for n in sent_attempts.values() if n > 1)
    tally.notes["crash_window_resends_topic"] = sum(len(s) - 1 for s in sent_ids.values() if len(s) > 1)


def check_dead_letters(data: RunData, tally: Tally) -> None:
    """Every poison message is on xn.dead-letter once per consuming service, with a reason."""
    dls = [json.loads(r.value) for r in data.records["xn.dead-letter"]]
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    markers = {p.marker for p in data.poisons}
    other: Counter[str] = Counter()
    for d in dls:
        hit = next((m for m in markers if m in d["value_text"]), None)
        if hit is None:
            other[f"{d['consumer']}: {d['error_type']}: {d['error'][:120]}"] += 1
        else:
            found[(hit, d["consumer"])].append(d)
    expected = [(p, c) for p in data.poisons for c in p.consumers]
    tally.count("dead_letters.expected", len(expected))
    for p, c in expected:
        got = found.get((p.marker, c), [])
        if not got:
            tally.flag("lost", "dead_letters.poison", f"{p.topic} {p.kind} → {c}")
        elif not all(d["error"] for d in got):
            tally.flag("lost", "dead_letters.reason", f"{p.topic} {p.kind} → {c}")
    tally.notes["dead_letters_poison"] = sum(len(v) for v in found.values())
    tally.notes["dead_letters_other"] = dict(other.most_common(20))
    tally.notes["poison_reasons"] = {f"{p.topic} {p.kind} → {c}": found[(p.marker, c)][0]["error"][:160]
                                     for p, c in expected[:12] if found.get((p.marker, c))}
