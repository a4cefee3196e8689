"""notify's own projections, kept from the events it consumes: the roster (units, people and
their effective-dated roles), complainants' contacts and measures — as one consumer transaction
sees and changes them.

"A person's channels and addresses come from the roster as of today": contacts are read when a
notice is planned, and the role holders are those whose appointment covers today's local date.

Cost per batch, not per event: the roster is read from the in-memory copy (roster.py), checked
once per transaction; complaints and measures a batch asks for are read in one query each
(`prefetch`); every write is staged and goes out before the commit (through the kernel's
`Tx.before_commit`): projections in one executemany per statement (staging.py), the batch's
notices in one statement (store.insert_notices). What a transaction staged is read back from
the stage, so a later event of the same batch sees it."""

from __future__ import annotations

from sqlalchemy import TextClause

from shared.events.complaints import ComplaintFiled
from shared.events.roster import PersonAppointed, PersonRegistered, UnitRegistered
from shared.messaging.pipeline import Tx

from . import store
from .planning import KnownMeasure
from .roster import Person, Roster, RosterCache, Unit
from .staging import Staged
from .store import sql

__all__ = ["Directory", "Person", "RosterCache", "Unit"]

_SCRATCH = "notify.directory"

UPSERT_UNIT = ("INSERT INTO {s}.units (unit_id, name, active) VALUES (:u, :n, :a) "
               "ON CONFLICT (unit_id) DO UPDATE SET name = :n, active = :a")
# A re-registration carries the person's current contacts: it replaces the old ones.
UPSERT_PERSON = ("INSERT INTO {s}.people (person_id, name, unit_id, phone, email) "
                 "VALUES (:p, :n, :u, :ph, :em) ON CONFLICT (person_id) DO UPDATE "
                 "SET name = :n, unit_id = :u, phone = :ph, email = :em")
UPSERT_APPOINTMENT = (
    "INSERT INTO {s}.appointments (person_id, unit_id, role, effective_from, effective_to) "
    "VALUES (:p, :u, :r, :f, :t) ON CONFLICT (person_id, unit_id, role, effective_from) "
    "DO UPDATE SET effective_to = :t")
ROSTER_CHANGED = "UPDATE {s}.roster_version SET token = :t"
INSERT_COMPLAINT = ("INSERT INTO {s}.complaints (complaint_id, name, phone, email, routed_to) "
                    "VALUES (:c, :n, :ph, :em, :r) ON CONFLICT (complaint_id) DO NOTHING")
UPSERT_MEASURE = ("INSERT INTO {s}.measures (measure_id, measure, revision, superseded) "
                  "VALUES (:m, :c, :r, :x) ON CONFLICT (measure_id) DO UPDATE SET measure = :c, "
                  "revision = :r, superseded = :x WHERE {s}.measures.revision < :r")


class Directory:
    """The projections inside one consumer transaction. Get it with `Directory.of(tx, cache)`:
    one per transaction, shared by the handler calls of a batch."""

    def __init__(self, tx: Tx, roster: Roster, cache: RosterCache) -> None:
        self._tx, self._schema, self.roster, self._cache = tx, tx.schema, roster, cache
        self._staged = Staged()
        self._notices: list[store.NewNotice] = []  # for the delivery log, in one statement
        self._roster_written = False
        self._complaints: dict[str, tuple[Person, str]] = {}  # staged in this transaction
        self._measures: dict[str, KnownMeasure] = {}  # staged in this transaction
        # Read ahead for the batch (prefetch): id → the stored row, None if there is none.
        self._stored_complaints: dict[str, tuple[Person, str] | None] = {}
        self._stored_measures: dict[str, KnownMeasure | None] = {}

    @classmethod
    async def of(cls, tx: Tx, cache: RosterCache) -> Directory:
        """The transaction's directory, made on first use. In a batch (a buffered Tx) its
        writes go out when the pipeline flushes the Tx before committing; alone, the handler
        calls `flush` itself (the one-message path does not flush the Tx's hooks)."""
        found = tx.scratch.get(_SCRATCH)
        if found is None:
            found = tx.scratch[_SCRATCH] = cls(tx, await cache.current(tx.session, tx.schema),
                                               cache)
            if tx.buffered:
                tx.before_commit(found.flush)
        return found

    async def flush(self) -> None:
        await self._staged.write(self._tx.session)
        notices, self._notices = self._notices, []
        await store.insert_notices(self._tx.session, self._schema, notices)

    async def prefetch(self, complaint_ids: list[str], measure_ids: list[str]) -> None:
        """Read the stored complaints and measures the batch's events name, one query each."""
        if complaint_ids:
            rows = await self._tx.session.execute(self._sql(
                "SELECT complaint_id, name, phone, email, routed_to FROM {s}.complaints "
                "WHERE complaint_id = ANY(:ids)"), {"ids": complaint_ids})
            self._stored_complaints = dict.fromkeys(complaint_ids)
            for r in rows:
                self._stored_complaints[r.complaint_id] = (
                    _complainant(r.complaint_id, r.name, r.phone, r.email), r.routed_to)
        if measure_ids:
            rows = await self._tx.session.execute(self._sql(
                "SELECT measure_id, measure, revision, superseded FROM {s}.measures "
                "WHERE measure_id = ANY(:ids)"), {"ids": measure_ids})
            self._stored_measures = dict.fromkeys(measure_ids)
            for r in rows:
                self._stored_measures[r.measure_id] = KnownMeasure(r.measure, r.revision,
                                                                   r.superseded)

    def _stage(self, template: str, **params) -> None:
        self._staged.add(self._sql(template), params)

    def _sql(self, template: str) -> TextClause:
        return sql(self._schema, template)

    # --- the roster ---------------------------------------------------------------------
    def _roster_changed(self) -> None:
        if not self._roster_written:
            self._roster_written = True
            self._stage(ROSTER_CHANGED, t=self._cache.changed())

    def save_unit(self, e: UnitRegistered) -> None:
        self._roster_changed()
        self._stage(UPSERT_UNIT, u=e.unit_id, n=e.name, a=e.active)
        self.roster.put_unit(Unit(e.unit_id, e.name, e.active))

    def save_person(self, e: PersonRegistered) -> None:
        self._roster_changed()
        self._stage(UPSERT_PERSON, p=e.person_id, n=e.name, u=e.unit_id, ph=e.phone, em=e.email)
        self.roster.put_person(Person(e.person_id, e.name, e.unit_id, e.phone, e.email))

    def save_appointment(self, e: PersonAppointed) -> None:
        self._roster_changed()
        self._stage(UPSERT_APPOINTMENT, p=e.person_id, u=e.unit_id, r=e.role.value,
                    f=e.effective_from, t=e.effective_to)
        self.roster.put_appointment(e.person_id, e.unit_id, e.role.value, e.effective_from,
                                    e.effective_to)

    # --- complainants -------------------------------------------------------------------
    def save_complaint(self, e: ComplaintFiled) -> tuple[Person, str]:
        """The complainant as the acknowledgement addresses them, and where it was routed.
        Contacts arrive once, with the filing (intake files a complaint once); should a second
        filing of the same complaint id arrive, the stored row keeps the first contacts (for
        the result notice) and this acknowledgement answers the filing it acknowledges."""
        if e.complaint_id not in self._complaints:
            c = e.complainant
            self._stage(INSERT_COMPLAINT, c=e.complaint_id, n=c.name, ph=c.phone, em=c.email,
                        r=e.routed_to)
            self._complaints[e.complaint_id] = (_complainant(e.complaint_id, c.name, c.phone,
                                                             c.email), e.routed_to)
        return self._complaints[e.complaint_id]

    async def complaint(self, complaint_id: str) -> tuple[Person, str] | None:
        """The complainant (as a Person keyed by the complaint) and where it was routed: the
        stored row (the first filing wins), else one staged by this transaction."""
        if complaint_id not in self._stored_complaints:
            row = (await self._tx.session.execute(self._sql(
                "SELECT name, phone, email, routed_to FROM {s}.complaints "
                "WHERE complaint_id = :c"), {"c": complaint_id})).first()
            self._stored_complaints[complaint_id] = None if row is None else (
                _complainant(complaint_id, row.name, row.phone, row.email), row.routed_to)
        return self._stored_complaints[complaint_id] or self._complaints.get(complaint_id)

    # --- measures -----------------------------------------------------------------------
    def save_measure(self, measure_id: str, measure: str, revision: int,
                     superseded: bool = False) -> None:
        self._stage(UPSERT_MEASURE, m=measure_id, c=measure, r=revision, x=superseded)
        known = self._measures.get(measure_id)
        if known is None or known.revision < revision:
            self._measures[measure_id] = KnownMeasure(measure, revision, superseded)

    async def measure(self, measure_id: str) -> KnownMeasure | None:
        """The measure as last recorded, this transaction's writes included."""
        if measure_id not in self._stored_measures:
            row = (await self._tx.session.execute(self._sql(
                "SELECT measure, revision, superseded FROM {s}.measures WHERE measure_id = :m"),
                {"m": measure_id})).first()
            self._stored_measures[measure_id] = None if row is None else KnownMeasure(
                row.measure, row.revision, row.superseded)
        stored, staged = self._stored_measures[measure_id], self._measures.get(measure_id)
        if staged is not None and (stored is None or stored.revision < staged.revision):
            return staged  # the staged upsert will win, as it would have in order
        return stored

    async def measure_code(self, measure_id: str) -> str | None:
        known = await self.measure(measure_id)
        return known.code if known else None

    # --- the delivery log ---------------------------------------------------------------
    def add_notice(self, row: store.NewNotice) -> None:
        """Into the delivery log at commit; a notice already there is left as it is."""
        self._notices.append(row)


def _complainant(complaint_id: str, name: str, phone: str | None, email: str | None) -> Person:
    return Person(f"complainant.{complaint_id}", name, "", phone, email)
