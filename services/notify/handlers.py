"""The consumer's handler: keep the projections, turn notifiable events into notice rows.
It never sends; the sender loop does (sender.py). Runs inside the pipeline's transaction, once
per message; what it reads and writes goes through the transaction's Directory, which makes a
batch cost a few statements (directory.py)."""

from __future__ import annotations

from shared.clock import local
from shared.envelope import Envelope
from shared.events.accountability import AppealRuled, BulletinPublished, MeasureDecided
from shared.events.complaints import ComplaintConcluded, ComplaintFiled
from shared.events.deadlines import DeadlineMet, DeadlineMissed, DeadlineWarned
from shared.events.roster import PersonAppointed, PersonRegistered, UnitRegistered
from shared.events.vocab import COUNTY_OFFICE
from shared.logs import get_logger
from shared.messaging.errors import Rejected
from shared.messaging.batch import Prepare
from shared.messaging.pipeline import Handler, Tx

from . import planning
from .directory import Directory
from .roster import Roster, RosterCache
from .enqueue import enqueue
from .routing import Role
from .wiring import Deps

log = get_logger(__name__)
CONCLUDED, RULED = ComplaintConcluded.event_type, AppealRuled.event_type
DECIDED = MeasureDecided.event_type


def make_prepare(roster: RosterCache) -> Prepare:
    """The batch's first step (Pipeline.process_batch): check the roster copy and read the
    complaints and measures the batch's events name, one query each, instead of one per event.
    Only ids are needed, so the payloads are not parsed here."""
    async def prepare(tx: Tx, envs: list[Envelope]) -> None:
        d = await Directory.of(tx, roster)
        await d.prefetch(
            [e.payload["complaint_id"] for e in envs if e.event_type == CONCLUDED],
            [e.payload["measure_id"] for e in envs if e.event_type == RULED
             or (e.event_type == DECIDED and e.payload.get("revision", 0) > 0)])
    return prepare


# What the handler acts on; the pipeline passes over anything else on its topics unparsed.
ACCEPTS = frozenset(cls.event_type for cls in (
    UnitRegistered, PersonRegistered, PersonAppointed, ComplaintFiled, ComplaintConcluded,
    DeadlineWarned, DeadlineMissed, DeadlineMet, MeasureDecided, AppealRuled, BulletinPublished))


def make_handler(deps: Deps, roster: RosterCache | None = None) -> Handler:
    """`roster`: the in-memory roster copy, shared with `make_prepare`; one per consumer (it
    runs one transaction at a time). Made here when not given (tests calling the handler)."""
    cache = roster or RosterCache()

    async def handle(tx: Tx, env: Envelope) -> None:
        ev = env.parsed()
        d = await Directory.of(tx, cache)
        r = d.roster
        today = local(tx.clock.now()).date()  # "the roster as of today"
        requests: list[planning.NoticeRequest] = []
        match ev:
            case UnitRegistered():
                d.save_unit(ev)
            case PersonRegistered():
                d.save_person(ev)
            case PersonAppointed():
                d.save_appointment(ev)
            case ComplaintFiled():
                complainant, _ = d.save_complaint(ev)
                requests.append(planning.acknowledgement(
                    ev, complainant, _handling_unit(r, deps, ev.routed_to),
                    deps.office.phone or ""))
            case ComplaintConcluded():
                found = await d.complaint(ev.complaint_id)
                if found is None:
                    raise Rejected(f"complaint {ev.complaint_id} concluded but never filed here")
                url = deps.rating_url.format(complaint_id=ev.complaint_id)
                requests.append(planning.complaint_result(
                    ev, found[0], _handling_unit(r, deps, ev.handling_unit_id), url))
            case DeadlineWarned() | DeadlineMissed():
                f = ev.deadline
                by_role = {Role.UNIT_LIAISON: r.holders(f.unit_id, "liaison", today),
                           Role.HANDLER: _one(r.person(f.responsible.handler_id))}
                if isinstance(ev, DeadlineMissed):
                    by_role[Role.UNIT_LEADER] = r.holders(f.unit_id, "leader", today)
                requests.append(planning.deadline_notice(ev, r.unit_name(f.unit_id), by_role))
            case DeadlineMet() if ev.deadline.kind == "rectification":
                f = ev.deadline
                requests.append(planning.supervision_closed(ev, r.unit_name(f.unit_id), {
                    Role.UNIT_LIAISON: r.holders(f.unit_id, "liaison", today),
                    Role.UNIT_LEADER: r.holders(f.unit_id, "leader", today)}))
            case MeasureDecided():
                # What notify last recorded, read before this revision replaces it (a first
                # decision has nothing before it: no look-up).
                previous = await d.measure(ev.measure_id) if ev.revision > 0 else None
                d.save_measure(ev.measure_id, ev.measure, ev.revision, ev.superseded)
                change = planning.measure_change(ev, previous)
                if change is None:
                    log.info("measure revision announced otherwise", measure_id=ev.measure_id,
                             revision=ev.revision, status=ev.status, superseded=ev.superseded,
                             appeal_ruling=ev.appeal_ruling)
                else:
                    by_role = {Role.UNIT_LIAISON: r.holders(ev.unit_id, "liaison", today),
                               Role.UNIT_LEADER: r.holders(ev.unit_id, "leader", today)}
                    args = (ev, r.unit_name(ev.unit_id), r.person(ev.person_id), by_role)
                    requests.append(
                        planning.withdrawal_notice(*args)
                        if change is planning.MeasureChange.WITHDRAWN else
                        planning.measure_notice(
                            *args, revised=change is planning.MeasureChange.REVISED,
                            previous_code=previous.code if previous else None))
            case AppealRuled():
                # The code appealed against: a reduction's revision came just before this event
                # and is already recorded; events from before the field was added lack it.
                code = ev.original_measure or await d.measure_code(ev.measure_id)
                if code is None:
                    raise Rejected(f"appeal ruled on measure {ev.measure_id} never decided here")
                concerned = r.person(ev.person_id) if ev.person_id else None
                appellant = (_one(concerned) if ev.person_id
                             else r.holders(ev.unit_id, "liaison", today))
                # Someone the roster does not know: named by role, never as the unit.
                about = concerned.name if concerned else ("申诉人" if ev.person_id else None)
                requests.append(planning.appeal_notice(
                    ev, r.unit_name(ev.unit_id), code, appellant,
                    r.holders(ev.unit_id, "leader", today), about,
                    r.holders(ev.unit_id, "liaison", today)))
            case BulletinPublished():
                for unit in r.active_units():
                    requests.append(planning.bulletin_notice(
                        ev.year, ev.month, ev.text, env.occurred_at, unit.unit_id, unit.name,
                        r.holders(unit.unit_id, "leader", today)))
            case _:
                pass  # other events on these topics concern nobody's phone
        for request in requests:
            await enqueue(tx, env, request, deps, d)
        if not tx.buffered:  # alone (the one-message path, a test): nobody flushes the Tx
            await d.flush()

    return handle


def _one(person):
    return [person] if person is not None else []


def _handling_unit(r: Roster, deps: Deps, unit_id: str) -> str:
    return deps.office.name if unit_id == COUNTY_OFFICE else r.unit_name(unit_id)
