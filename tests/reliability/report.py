"""A Jepsen-style tally: each check counts what it examined and lists the anomalies it found,
by class (lost, duplicated state change, unexpected, out of order, redelivered same id)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

CLASSES = ("lost", "duplicated", "unexpected", "out_of_order")


@dataclass
class Tally:
    examined: dict[str, int] = field(default_factory=dict)
    anomalies: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    redelivered: dict[str, int] = field(default_factory=dict)  # same event id twice on a topic
    notes: dict[str, object] = field(default_factory=dict)

    def count(self, check: str, n: int) -> None:
        self.examined[check] = self.examined.get(check, 0) + n

    def flag(self, cls: str, check: str, what: str) -> None:
        assert cls in CLASSES, cls
        self.anomalies[cls][check].append(what)

    def total(self, cls: str) -> int:
        return sum(len(v) for v in self.anomalies[cls].values())

    def summary(self) -> dict:
        return {
            "examined": self.examined,
            "classification": {c: self.total(c) for c in CLASSES},
            "by_check": {c: {k: len(v) for k, v in self.anomalies[c].items()} for c in CLASSES},
            "examples": {c: {k: v[:5] for k, v in self.anomalies[c].items()} for c in CLASSES},
            "redelivered_same_event_id": self.redelivered,
            "notes": self.notes,
        }

    def dumps(self) -> str:
        return json.dumps(self.summary(), ensure_ascii=False, indent=1, default=str)
