"""deadline.scheduled v2: one event per subject per fact, carrying that subject's clocks in the
order they were opened."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from pydantic import ValidationError

from services.deadlines.clocks import Opened, facts, scheduled_per_subject
from services.deadlines.codec import DeadlineRow, deadline_id
from services.deadlines.domain import LOCAL_TZ, open_deadline
from services.deadlines.schedules import ScheduleCache
from shared.envelope import Envelope
from shared.events.deadlines import DeadlineScheduled, ScheduledClock

T = datetime(2026, 10, 9, 16, tzinfo=LOCAL_TZ)


def _opened(book, calendar, kind: str, subject: str, unit: str = "ZJJ") -> Opened:
    rule = book.rule(kind)
    state = open_deadline(rule, T)
    row = DeadlineRow(deadline_id(kind, subject), kind, "complaint", subject, unit, state,
                      ScheduleCache().schedule(state, rule, calendar),
                      origin_event_id=uuid.uuid4(), correlation_id=uuid.uuid4())
    return Opened(row, ScheduledClock(deadline=facts(row, rule), starts_at=T))


def test_one_event_per_subject_with_its_clocks_in_opening_order(book, calendar):
    kinds = ["complaint_acceptance", "complaint_conclusion", "complaint_return"]
    c1 = [_opened(book, calendar, k, "C-1") for k in kinds]
    c2 = _opened(book, calendar, "complaint_acceptance", "C-2", unit="SCJ")
    out = scheduled_per_subject([c1[0], c2, c1[1], c1[2]])
    assert [(row.subject_id, [c.deadline.deadline_id for c in p.clocks]) for row, p in out] == [
        ("C-1", [f"{k}:C-1" for k in kinds]),
        ("C-2", ["complaint_acceptance:C-2"])]
    assert out[1][0].unit_id == "SCJ"
    assert scheduled_per_subject([]) == []  # nothing opened, nothing announced


def test_the_payload_is_version_2_and_never_empty(book, calendar):
    row, payload = scheduled_per_subject([_opened(book, calendar, "complaint_acceptance", "C-1")])[0]
    env = Envelope.wrap(payload, key=row.subject_id, occurred_at=T, producer="deadlines")
    assert (env.event_type, env.schema_version) == ("deadline.scheduled", 2)
    again = Envelope.from_bytes(env.to_bytes()).parsed()
    assert again == payload
    assert again.clocks[0].deadline.deadline_id == "complaint_acceptance:C-1"
    with pytest.raises(ValidationError):
        DeadlineScheduled(clocks=[])
