"""An in-memory stand-in for the store and the transaction, with the same methods. It lets the
handlers run without PostgreSQL: for unit tests and for generating the event catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.intake.domain.complaints import Complaint
from services.intake.domain.matters import Matter
from services.intake.domain.roster import Appointment
from shared.clock import Clock
from shared.envelope import Envelope


class MemoryStore:
    def __init__(self) -> None:
        self.units: dict[str, dict] = {}
        self.people: dict[str, dict] = {}
        self.appts: dict[tuple, Appointment] = {}
        self.campaigns: dict[str, dict] = {}
        self.matters: dict[str, Matter] = {}
        self.complaints: dict[str, Complaint] = {}
        self.rows: dict[str, dict[str, dict]] = {}

    async def unit(self, unit_id: str) -> dict | None:
        return self.units.get(unit_id)

    async def active_unit_ids(self) -> list[str]:
        return sorted(k for k, u in self.units.items() if u["active"])

    async def put_unit(self, u: dict) -> None:
        self.units[u["unit_id"]] = dict(u)

    async def person(self, person_id: str) -> dict | None:
        return self.people.get(person_id)

    async def put_person(self, p: dict) -> None:
        self.people[p["person_id"]] = dict(p)

    async def appointments(self, unit_id: str) -> list[Appointment]:
        return [a for a in self.appts.values() if a.unit_id == unit_id]

    async def put_appointment(self, a: Appointment) -> bool:
        k = (a.person_id, a.unit_id, a.role, a.effective_from)
        if self.appts.get(k) == a:
            return False
        self.appts[k] = a
        return True

    async def campaign(self, campaign_id: str) -> dict | None:
        return self.campaigns.get(campaign_id)

    async def put_campaign(self, campaign_id: str, body: dict) -> None:
        self.campaigns[campaign_id] = body

    async def matter(self, matter_id: str) -> Matter | None:
        return self.matters.get(matter_id)

    async def put_matter(self, m: Matter) -> None:
        self.matters[m.matter_id] = m

    async def complaint(self, complaint_id: str) -> Complaint | None:
        return self.complaints.get(complaint_id)

    async def put_complaint(self, x: Complaint) -> None:
        self.complaints[x.complaint_id] = x

    async def claim_id(self, table: str, key_col: str, key: str, **cols: Any) -> bool:
        t = self.rows.setdefault(table, {})
        if key in t:
            return False
        t[key] = {key_col: key, **cols}
        return True

    async def appeal(self, appeal_id: str) -> dict | None:
        return self.rows.get("appeals", {}).get(appeal_id)

    async def set_appeal_status(self, appeal_id: str, status: str) -> None:
        self.rows["appeals"][appeal_id]["status"] = status


@dataclass
class MemoryTx:
    """Quacks like shared.messaging.pipeline.Tx; emitted envelopes stay in `emitted`."""

    clock: Clock
    schema: str = "memory"
    session: Any = None
    emitted: list[tuple[str, Envelope]] = field(default_factory=list)

    async def emit(self, topic: str, envelope: Envelope) -> None:
        self.emitted.append((topic, envelope))
