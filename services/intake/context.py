"""What a command handler works with: the open transaction, intake's store, the clock, the
topics to publish on (injectable, so tests use their own), and the identity of the request.

Event ids are derived from (source, request key, n): one request can never yield two copies of
an event, whatever retries happen. Correlation ids are derived from the case id, so every event
of one complaint or matter shares one correlation id (one grep follows a case everywhere)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from services.intake.domain.errors import UnknownReference
from services.intake.roster_cache import RosterCache
from services.intake.store import Store
from shared import topics as t
from shared.envelope import Envelope, EventPayload
from shared.events.vocab import COUNTY_OFFICE
from shared.messaging.pipeline import Tx

PRODUCER = "intake"
NAMESPACE = uuid.UUID("5b0c2dc2-95fa-4b44-9d2e-7a1c0e6f3a10")  # fixed: ids must stay stable


def case_correlation(kind: str, case_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}:{case_id}")


@dataclass(frozen=True)
class Topics:
    """Canonical topics intake publishes on."""

    roster: str = t.ROSTER
    reports: str = t.REPORTS
    matters: str = t.MATTERS
    complaints: str = t.COMPLAINTS
    inspections: str = t.INSPECTIONS
    office: str = t.OFFICE


@dataclass
class Published:
    event_id: str
    event_type: str
    topic: str
    key: str
    correlation_id: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Ctx:
    tx: Tx
    topics: Topics
    source: str
    request_id: str  # stable id of this request (source + key, or random when it has none)
    store: Store  # or any object with its methods (unit tests use an in-memory one)
    published: list[Published] = field(default_factory=list)
    cache: RosterCache | None = None  # existing units and people, for reference checks

    def now(self) -> datetime:
        return self.tx.clock.now()

    def next_event_id(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"{self.request_id}#{len(self.published)}")

    async def publish(self, topic: str, payload: EventPayload, *, key: str, occurred_at: datetime,
                      unit_id: str | None, correlation: uuid.UUID) -> uuid.UUID:
        # Later log lines of this request carry the case's correlation id: one grep follows it.
        structlog.contextvars.bind_contextvars(correlation_id=str(correlation), unit_id=unit_id)
        env = Envelope.wrap(payload, key=key, occurred_at=occurred_at, producer=PRODUCER,
                            unit_id=unit_id, correlation_id=correlation,
                            event_id=self.next_event_id())
        await self.tx.emit(topic, env)
        self.published.append(Published(str(env.event_id), env.event_type, topic, key,
                                        str(env.correlation_id)))
        return env.event_id

    async def require_unit(self, field_name: str, unit_id: str, *, office_ok: bool = False) -> dict:
        if office_ok and unit_id == COUNTY_OFFICE:
            return {"unit_id": COUNTY_OFFICE, "active": True}
        unit = self.cache.get("unit", unit_id) if self.cache else None
        if unit is None:
            unit = await self.store.unit(unit_id)
            if unit is None:
                raise UnknownReference(field_name, "unit", unit_id)
            if self.cache:
                self.cache.put("unit", unit_id, unit)
        return unit

    async def require_person(self, field_name: str, person_id: str | None) -> dict | None:
        if person_id is None:
            return None
        person = self.cache.get("person", person_id) if self.cache else None
        if person is None:
            person = await self.store.person(person_id)
            if person is None:
                raise UnknownReference(field_name, "person", person_id)
            if self.cache:
                self.cache.put("person", person_id, person)
        return person

    async def appointments(self, unit_id: str) -> list:
        """The unit's appointments (all dates); cached like units and people, since every
        complaint asks who leads its target unit."""
        found = self.cache.get("appointments", unit_id) if self.cache else None
        if found is None:
            found = await self.store.appointments(unit_id)
            if self.cache and found:
                self.cache.put("appointments", unit_id, found)
        return found

    def forget(self, kind: str, key: str) -> None:
        """After this request changed a unit or person: the next check reads it afresh."""
        if self.cache:
            self.cache.forget(kind, key)
