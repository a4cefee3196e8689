"""What one transaction knows and owes: reads made once per batch, writes made once per batch.

Per fault the service used to send ~14 statements (unit lock, lapse dedup, roster look-ups,
exemption, the unit's window of faults and measures, one upsert per measure and per score).
Now `prepare` (called by the pipeline with the whole batch before any handler runs) reads what
every fault of the batch needs in a few `= ANY(...)` statements; the handlers decide in memory
(unit_log.py) and stage their rows; `flush` writes them in one executemany per table, just
before the outbox rows and the commit. A fault alone (the pipeline redoing a failed batch one
message at a time) takes the same path: its handler loads only what it lacks and flushes at
its end, so both paths share every rule.

Everything here lives in `tx.scratch`, so it dies with the transaction: a rolled-back batch
leaves nothing behind, and a retry starts from the database again."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta

from shared.envelope import Envelope
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Tx

from . import bulk
from .domain import Exemption, Fault, RuleBook
from .domain.history import months_before
from .rulebook_store import BookChooser, RuleBookNotLoaded
from .store import StoredMeasure, _j
from .unit_log import UnitLog
from .wiring import Deps

SCRATCH = "accountability"
EVERY_UNIT = "*"  # the one log of a person-scope rule book (a person's faults span units)


class BatchState:
    def __init__(self, tx: Tx) -> None:
        self.tx, self.s, self.schema = tx, tx.session, tx.schema
        self.chooser = BookChooser([])  # read by state_of when a decision needs rule books
        self.person_scope = False
        self.units: dict[str, str] = {}  # locked in this transaction: id -> name
        self.terms: dict[str, dict[str, list[bulk.Term]]] = {}  # unit -> role -> terms
        self.persons: set[str] = set()  # known to be registered
        self.keys_checked: set[str] = set()
        self.keys_recorded: set[str] = set()
        self.exemptions: dict[str, tuple[str, Exemption] | None] = {}  # by subject id
        self.logs: dict[str, UnitLog] = {}
        self.scores: dict[tuple[str, str], bulk.Score] = {}
        self.score_units: set[str] = set()
        self.parsed: dict[uuid.UUID, object] = {}  # payloads prepare already validated
        self.drafts: dict[uuid.UUID, object] = {}  # fault drafts prepare already built
        self._new_faults: list[dict] = []
        self._measures: dict[uuid.UUID, dict] = {}
        self._scores: dict[tuple[str, str], dict] = {}

    # -- rule books ------------------------------------------------------------------------------

    def book_on(self, day: date) -> RuleBook:
        try:
            return self.chooser.on(day)
        except LookupError as exc:
            raise Rejected(str(exc), code="no_rulebook") from None

    def log_after(self, day: date) -> date:
        """The earliest day (exclusive) a decision about a fault of `day` reads: its repeat and
        dual-duty windows, and the whole scoring year (a period it rescores starts in it)."""
        book = self.book_on(day)
        window = max(book.repeat.window_months, book.dual_duty.window_months)
        return min(months_before(day, window), date(day.year, 1, 1) - timedelta(days=1))

    # -- reads: each loads only what this transaction does not hold yet -----------------------------

    async def load(self, *, units: Iterable[str] = (), terms: bool = False,
                   logs: dict[str, date] | None = None, persons: Iterable[str] = (),
                   keys: Iterable[str] = (), subjects: Iterable[str] = (),
                   scores: bool = False) -> None:
        """units: lock them (and with `terms` read who held which post, with `scores` their
        scores); logs: unit -> the day after which its faults are needed; persons, keys,
        subjects: registered? recorded as a fault? exempted?"""
        s, schema = self.s, self.schema
        wanted = set(units)
        if wanted - self.units.keys():
            self.units.update(await bulk.lock_units(s, schema, wanted - self.units.keys()))
        roster = ({u for u in wanted if u in self.units} - self.terms.keys()) if terms else set()
        if roster:
            found = await bulk.appointments(s, schema, roster)
            for u in roster:
                self.terms[u] = {}
            for (u, role), terms in found.items():
                self.terms[u][role] = terms
            # whoever holds a post may answer for a fault (a liaison for an unnamed handler)
            persons = [*persons, *(t.person_id for (_, _), ts in found.items() for t in ts)]
        persons = set(persons) - self.persons
        if persons:
            self.persons |= await bulk.known_persons(s, schema, persons)
        keys = set(keys) - self.keys_checked
        if keys:
            self.keys_recorded |= await bulk.recorded_subjects(s, schema, keys)
            self.keys_checked |= keys
        subjects = set(subjects) - self.exemptions.keys()
        if subjects:
            found_ex = await bulk.exemptions(s, schema, subjects)
            self.exemptions.update({sid: found_ex.get(sid) for sid in subjects})
        await self._load_logs(logs or {})
        if scores:
            await self.ensure_scores(u for u in wanted if u in self.units)

    async def _load_logs(self, wanted: dict[str, date]) -> None:
        spans: list[bulk.Span] = []
        for unit, after in wanted.items():
            key = EVERY_UNIT if self.person_scope else unit
            log = self.logs.get(key)
            if log is None:
                spans.append(bulk.Span(None if self.person_scope else unit, after, date.max))
            elif after < log.after:  # an earlier day than held: read only the gap
                spans.append(bulk.Span(None if self.person_scope else unit, after, log.after))
        if self.person_scope and spans:  # one log for every unit: one span, the widest
            spans = [bulk.Span(None, min(sp.after for sp in spans), max(sp.upto for sp in spans))]
        if not spans:
            return
        if self.person_scope and EVERY_UNIT not in self.logs:
            # Decisions about a person span units: one writer at a time for the whole log.
            await self.s.execute(bulk.advisory_lock(self.schema), {"k": f"{self.schema}:faults"})
        faults = await bulk.faults_in(self.s, self.schema, spans)
        measures, appeals = await bulk.measures_in(self.s, self.schema, spans)
        for sp in spans:
            key = sp.unit_id or EVERY_UNIT
            unit_faults = [lf for lf in faults if key == EVERY_UNIT or lf.fault.unit_id == key]
            unit_measures = [sm for sm in measures
                             if key == EVERY_UNIT or sm.measure.unit_id == key]
            log = self.logs.setdefault(key, UnitLog(sp.after))
            log.merge(unit_faults, unit_measures, appeals, sp.after)

    def log(self, unit_id: str) -> UnitLog:
        return self.logs[EVERY_UNIT if self.person_scope else unit_id]

    async def ensure_log(self, unit_id: str, after: date) -> UnitLog:
        await self._load_logs({unit_id: after})
        return self.log(unit_id)

    async def ensure_scores(self, unit_ids: Iterable[str]) -> None:
        missing = set(unit_ids) - self.score_units
        if missing:
            self.scores.update(await bulk.scores(self.s, self.schema, missing))
            self.score_units |= missing

    # -- answers from what is held -------------------------------------------------------------------

    def unit_name(self, unit_id: str) -> str:
        if unit_id not in self.units:
            raise Rejected(f"unknown unit {unit_id!r}: not registered on the roster (xn.roster)",
                           code="unknown_unit")
        return self.units[unit_id]

    def holder_on(self, unit_id: str, role: str, day: date) -> str | None:
        for t in self.terms[unit_id].get(role, ()):
            if t.effective_from <= day and (t.effective_to is None or t.effective_to >= day):
                return t.person_id
        return None

    def require_persons(self, person_ids: Iterable[str]) -> None:
        missing = sorted(set(person_ids) - self.persons)
        if missing:
            raise Rejected(f"unknown person(s) {', '.join(map(repr, missing))}: not registered on "
                           "the roster (xn.roster)", code="unknown_person")

    def exemption_for(self, subject_id: str, unit_id: str) -> Exemption | None:
        found = self.exemptions.get(subject_id)
        return found[1] if found is not None and found[0] == unit_id else None

    # -- staged writes ------------------------------------------------------------------------------

    def add_fault(self, fault: Fault, *, subject_key: str, subject_id: str, leader_id: str | None,
                  cause: Envelope) -> None:
        self.keys_recorded.add(subject_key)
        self.log(fault.unit_id).add(fault, leader_id)
        self._new_faults.append(
            {"f": fault.id, "k": subject_key, "s": subject_id, "u": fault.unit_id,
             "d": fault.occurred_on, "kind": fault.kind.value, "l": leader_id, "b": _j(fault),
             "e": cause.event_id, "c": cause.correlation_id})

    def save_measure(self, sm: StoredMeasure) -> None:
        m = sm.measure
        self.log(m.unit_id).entries[m.fault_id].measures[m.id] = sm
        self._measures[m.id] = {
            "id": m.id, "f": m.fault_id, "u": m.unit_id, "p": m.person_id, "c": m.code,
            "pts": m.points, "st": m.status.value, "d": m.occurred_on, "per": sm.period,
            "rev": sm.revision, "sup": sm.superseded, "at": sm.decided_at,
            "ord": sm.rectification_ordered_at, "ords": sm.rectification_orders, "b": _j(m)}

    def save_score(self, unit_id: str, period: str, score: bulk.Score, version: str) -> bool:
        """True when the score differs from the stored one (new or changed)."""
        if self.scores.get((unit_id, period)) == score:
            return False
        self.scores[(unit_id, period)] = score
        self._scores[(unit_id, period)] = {"u": unit_id, "p": period, "s": score[0],
                                           "c": score[1], "pr": score[2], "v": version}
        return True

    async def flush(self) -> None:
        """Write what was staged: one statement per table (faults first: seq is arrival order)."""
        faults, measures, scores = self._new_faults, self._measures, self._scores
        self._new_faults, self._measures, self._scores = [], {}, {}
        if faults:
            await bulk.insert_faults(self.s, self.schema, faults)
        if measures:
            await bulk.save_measures(self.s, self.schema, list(measures.values()))
        if scores:
            await bulk.save_scores(self.s, self.schema, list(scores.values()))

    async def write_through(self) -> None:
        """For the rare inputs handled with plain SQL (exemptions, appeals): write what is
        staged, so their SQL sees it, and forget the logs and exemptions their writes change
        (read again when next needed)."""
        await self.flush()
        self.logs.clear()
        self.exemptions.clear()

    def roster_changed(self, unit_id: str, registered: str | None = None) -> None:
        """A roster event was written: read the unit's terms again when next needed."""
        self.terms.pop(unit_id, None)
        if registered is not None:
            self.persons.add(registered)

    async def end_of_message(self) -> None:
        """Alone (unbuffered transaction), nobody calls flush for us: write now."""
        if not self.tx.buffered:
            await self.flush()


async def state_of(tx: Tx, deps: Deps, books: bool = True) -> BatchState:
    """This transaction's state; with `books`, the rule books stored (read once per batch)."""
    st = tx.scratch.get(SCRATCH)
    if st is None:
        st = tx.scratch[SCRATCH] = BatchState(tx)
        if tx.buffered:
            tx.before_commit(st.flush)
    if books and not st.chooser:
        st.chooser = await deps.rulebooks.snapshot(tx.session, tx.schema)
        if not st.chooser:
            raise RuleBookNotLoaded("no rule book stored yet")
        st.person_scope = any(b.repeat.scope == "person" for b in st.chooser.books)
    return st
