"""How deadlines look outside the domain: ids, wire kinds, the stored JSON of a schedule, and
the DeadlineFacts every produced event repeats."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from services.deadlines.domain import (
    OVERDUE_ID,
    DeadlineState,
    DeadlineStatus,
    Schedule,
    WarningPoint,
)
from shared.events.deadlines import DeadlineFacts, Responsible

# The event contract names the 督办 clock "rectification"; the rule book calls it
# rectification_order. Everything on the wire (ids, events) uses the contract's name.
WIRE_KIND = {"rectification_order": "rectification"}
RULE_KIND = {wire: rule for rule, wire in WIRE_KIND.items()}
SUBJECT_TYPE = {"campaign_report": "report", "matter": "matter", "complaint_acceptance": "complaint",
                "complaint_conclusion": "complaint", "complaint_return": "complaint",
                "rectification_order": "measure", "appeal_window": "measure"}
# The red card fires on the first instant after due_at (due_actions asks `now > due_at`).
AFTER_DUE = timedelta(milliseconds=1)
_EVENT_NS = uuid.UUID("1d7e1c52-7d4e-4f0e-8b59-0c9b8e5d4a11")
# No one named (every complaint clock): one shared instance instead of a model per clock, and
# its JSON encoded once. Safe to share: a Responsible is replaced, never changed in place.
NOBODY = Responsible()
NOBODY_JSON = NOBODY.model_dump_json()


def wire_kind(rule_kind: str) -> str:
    return WIRE_KIND.get(rule_kind, rule_kind)


def deadline_id(rule_kind: str, subject_id: str) -> str:
    return f"{wire_kind(rule_kind)}:{subject_id}"


def card_event_id(deadline: str, round_: int, action_id: str) -> uuid.UUID:
    """Deterministic: a card fired twice by mistake would collide in the outbox (ON CONFLICT)."""
    return uuid.uuid5(_EVENT_NS, f"{deadline}/{round_}/{action_id}")


def warning_label(action_id: str) -> str:
    """'pct75' → '75%', 'wd2' → '2wd' (the names the DeadlineWarned contract uses)."""
    if action_id.startswith("pct"):
        return f"{action_id[3:]}%"
    if action_id.startswith("wd"):
        return f"{action_id[2:]}wd"
    return action_id


def schedule_to_json(s: Schedule) -> dict[str, Any]:
    return {"due_date": s.due_date.isoformat() if s.due_date else None,
            "due_at": s.due_at.isoformat() if s.due_at else None,
            "warnings": [{"id": w.id, "at": w.at.isoformat()} for w in s.warnings],
            "allowed_days": s.allowed_days, "provisional": s.provisional,
            "provisional_years": list(s.provisional_years),
            "calendar_version": s.calendar_version, "rule_version": s.rule_version}


@lru_cache(maxsize=4096)
def schedule_json(s: Schedule) -> str:
    """The stored JSON of a schedule. Clocks opened on one day share one Schedule (see
    schedules.py), so most rows of a batch repeat a handful; encoding one costs ~25 µs."""
    return json.dumps(schedule_to_json(s))


def schedule_from_json(d: dict[str, Any]) -> Schedule:
    return Schedule(
        due_date=date.fromisoformat(d["due_date"]) if d["due_date"] else None,
        due_at=datetime.fromisoformat(d["due_at"]) if d["due_at"] else None,
        warnings=tuple(WarningPoint(w["id"], datetime.fromisoformat(w["at"])) for w in d["warnings"]),
        allowed_days=d["allowed_days"], provisional=d["provisional"],
        provisional_years=tuple(d["provisional_years"]), calendar_version=d["calendar_version"],
        rule_version=d["rule_version"])


def next_fire_at(state: DeadlineState, schedule: Schedule) -> datetime | None:
    """The earliest action still pending; None when closed, paused or the red card is out."""
    if state.status is not DeadlineStatus.OPEN or schedule.due_at is None:
        return None
    if OVERDUE_ID in state.fired:
        return None
    pending = [w.at for w in schedule.warnings if w.id not in state.fired]
    return min([*pending, schedule.due_at + AFTER_DUE])


@dataclass
class DeadlineRow:
    """One stored deadline; the derived columns (due_at, next_fire_at …) come from state+schedule."""

    deadline_id: str
    kind: str  # rule kind
    subject_type: str
    subject_id: str
    unit_id: str
    state: DeadlineState
    schedule: Schedule
    origin_event_id: uuid.UUID
    correlation_id: uuid.UUID
    responsible: Responsible = field(default_factory=lambda: NOBODY)
    status: str = "open"
    card: str = "none"
    due_at: datetime | None = None
    round: int = 0
    hops: int = 0

    def facts(self, rule_counting_working_days: bool) -> DeadlineFacts:
        due = self.schedule.due_at or self.due_at
        assert due is not None, "a deadline always had a due instant before it could pause"
        return DeadlineFacts(
            deadline_id=self.deadline_id, kind=wire_kind(self.kind), subject_type=self.subject_type,
            subject_id=self.subject_id, unit_id=self.unit_id, responsible=self.responsible,
            due_at=due,
            allowed_working_days=self.schedule.allowed_days if rule_counting_working_days else None,
            calendar_version=self.schedule.calendar_version, provisional=self.schedule.provisional)
