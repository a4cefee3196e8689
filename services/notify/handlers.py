"""The consumer's handler: keep the projections, turn notifiable events into notice rows.
It never sends; the sender loop does (sender.py). Runs inside the pipeline's transaction."""

from __future__ import annotations

from shared.clock import local
from shared.envelope import Envelope
from shared.events.accountability import AppealRuled, BulletinPublished, MeasureDecided
from shared.events.complaints import ComplaintConcluded, ComplaintFiled
from shared.events.deadlines import DeadlineMissed, DeadlineWarned
from shared.events.roster import PersonAppointed, PersonRegistered, UnitRegistered
from shared.events.vocab import COUNTY_OFFICE
from shared.logs import get_logger
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Handler, Tx

from . import planning
from .directory import Directory
from .enqueue import enqueue
from .routing import Role
from .wiring import Deps

log = get_logger(__name__)


def make_handler(deps: Deps) -> Handler:
    async def handle(tx: Tx, env: Envelope) -> None:
        ev = env.parsed()
        d = Directory(tx.session, tx.schema)
        today = local(tx.clock.now()).date()  # "the roster as of today"
        requests: list[planning.NoticeRequest] = []
        match ev:
            case UnitRegistered():
                await d.save_unit(ev)
            case PersonRegistered():
                await d.save_person(ev)
            case PersonAppointed():
                await d.save_appointment(ev)
            case ComplaintFiled():
                await d.save_complaint(ev)
                found = await d.complaint(ev.complaint_id)
                requests.append(planning.acknowledgement(
                    ev, found[0], await _handling_unit(d, deps, ev.routed_to),
                    deps.office.phone or ""))
            case ComplaintConcluded():
                found = await d.complaint(ev.complaint_id)
                if found is None:
                    raise Rejected(f"complaint {ev.complaint_id} concluded but never filed here")
                url = deps.rating_url.format(complaint_id=ev.complaint_id)
                requests.append(planning.complaint_result(
                    ev, found[0], await _handling_unit(d, deps, ev.handling_unit_id), url))
            case DeadlineWarned() | DeadlineMissed():
                f = ev.deadline
                by_role = {Role.UNIT_LIAISON: await d.holders(f.unit_id, "liaison", today),
                           Role.HANDLER: _one(await d.person(f.responsible.handler_id))}
                if isinstance(ev, DeadlineMissed):
                    by_role[Role.UNIT_LEADER] = await d.holders(f.unit_id, "leader", today)
                requests.append(planning.deadline_notice(ev, await d.unit_name(f.unit_id), by_role))
            case MeasureDecided():
                await d.save_measure(ev.measure_id, ev.measure, ev.revision)
                if ev.revision > 0 or ev.superseded or ev.status != "in_force":
                    # Revisions re-state a measure already notified (freeze, recount); a
                    # withdrawal notice needs its own wording: not sent yet (see issue notes).
                    log.info("measure revision not notified", measure_id=ev.measure_id,
                             revision=ev.revision, status=ev.status, superseded=ev.superseded)
                    return
                by_role = {Role.UNIT_LIAISON: await d.holders(ev.unit_id, "liaison", today),
                           Role.UNIT_LEADER: await d.holders(ev.unit_id, "leader", today)}
                requests.append(planning.measure_notice(
                    ev, await d.unit_name(ev.unit_id), await d.person(ev.person_id), by_role))
            case AppealRuled():
                code = await d.measure_code(ev.measure_id)
                if code is None:
                    raise Rejected(f"appeal ruled on measure {ev.measure_id} never decided here")
                appellant = (_one(await d.person(ev.person_id)) if ev.person_id
                             else await d.holders(ev.unit_id, "liaison", today))
                requests.append(planning.appeal_notice(ev, await d.unit_name(ev.unit_id), code,
                                                       appellant))
            case BulletinPublished():
                for unit in await d.active_units():
                    requests.append(planning.bulletin_notice(
                        ev.year, ev.month, ev.text, env.occurred_at, unit.unit_id, unit.name,
                        await d.holders(unit.unit_id, "leader", today)))
            case _:
                return  # other events on these topics concern nobody's phone
        for request in requests:
            await enqueue(tx, env, request, deps)

    return handle


def _one(person):
    return [person] if person is not None else []


async def _handling_unit(d: Directory, deps: Deps, unit_id: str) -> str:
    return deps.office.name if unit_id == COUNTY_OFFICE else await d.unit_name(unit_id)
