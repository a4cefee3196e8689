"""A unit's fault log as one transaction sees it: what was read from the database for a span of
dates, plus what this transaction decided and has not written yet.

reconcile() decides over this instead of reading the unit's window for every fault: a batch
reads each unit once, decides all its faults in memory and writes the differences in a few
statements at the end (batch_state.py). Rows read from the database never override rows held
here: anything held here is at least as new."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from .bulk import LoadedFault
from .domain import Appeal, Fault, Measure, MeasureStatus
from .store import StoredMeasure


@dataclass
class Entry:
    seq: int  # arrival order: the database's seq, or after every loaded one for a new fault
    fault: Fault
    leader_id: str | None
    measures: dict[uuid.UUID, StoredMeasure] = field(default_factory=dict)  # superseded too

    @property
    def discounted(self) -> bool:
        """Every live measure frozen or revoked: it no longer counts (the SQL of
        store.unit_faults_since, computed from what is held)."""
        live = [sm for sm in self.measures.values() if not sm.superseded]
        return bool(live) and all(sm.measure.status is not MeasureStatus.IN_FORCE for sm in live)


@dataclass
class UnitLog:
    after: date  # holds every fault of its units dated after this day
    entries: dict[uuid.UUID, Entry] = field(default_factory=dict)
    appeals: dict[uuid.UUID, Appeal] = field(default_factory=dict)  # by measure id
    _next_seq: int = 1 << 62  # new faults come after everything stored

    def merge(self, faults: list[LoadedFault], measures: list[StoredMeasure],
              appeals: dict[uuid.UUID, Appeal], after: date) -> None:
        for lf in faults:
            if lf.fault.id not in self.entries:
                self.entries[lf.fault.id] = Entry(lf.seq, lf.fault, lf.leader_id)
        for sm in measures:
            entry = self.entries.get(sm.measure.fault_id)
            if entry is not None:
                entry.measures.setdefault(sm.measure.id, sm)
        for mid, appeal in appeals.items():
            self.appeals.setdefault(mid, appeal)
        self.after = min(self.after, after)

    def add(self, fault: Fault, leader_id: str | None) -> None:
        self._next_seq += 1
        self.entries[fault.id] = Entry(self._next_seq, fault, leader_id)

    def since(self, after: date, unit_id: str | None) -> list[Entry]:
        """Faults dated after `after` (of one unit, or all held), in canonical order."""
        if after < self.after:
            raise AssertionError(f"log holds faults after {self.after}, asked after {after}")
        found = [e for e in self.entries.values() if e.fault.occurred_on > after
                 and (unit_id is None or e.fault.unit_id == unit_id)]
        return sorted(found, key=lambda e: e.fault.sort_key)

    def first_of_day(self, unit_id: str, day: date) -> Entry | None:
        same = [e for e in self.entries.values()
                if e.fault.unit_id == unit_id and e.fault.occurred_on == day]
        return min(same, key=lambda e: e.seq, default=None)

    def live_measures(self, unit_id: str, period: str) -> list[Measure]:
        """What store.scored_measures reads: the unit's measures of the period not superseded."""
        return [sm.measure for e in self.entries.values() if e.fault.unit_id == unit_id
                for sm in e.measures.values() if not sm.superseded and sm.period == period]
