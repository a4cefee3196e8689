"""`calendar.year_loaded`: store the year, switch calendars, and recompute every open deadline
that was provisional for that year — in one transaction, so a crash half-way recomputes all of
them again on redelivery (the inbox row rolls back with the rest)."""

from __future__ import annotations

from services.deadlines import clocks, store
from services.deadlines.deps import Deps
from services.deadlines.domain import recompute
from services.deadlines.unit_of_work import unit_of_work
from shared.envelope import Envelope
from shared.events.calendar import CalendarYearLoaded
from shared.events.deadlines import DeadlineRescheduled
from shared.logs import get_logger
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Tx
from shared.workdays import CalendarFileError, year_from_event

log = get_logger(__name__)


async def on_year_loaded(tx: Tx, deps: Deps, p: CalendarYearLoaded, env: Envelope) -> None:
    try:
        year = year_from_event(p)
    except CalendarFileError as exc:
        raise Rejected(str(exc), code="invalid_calendar") from None
    uow = unit_of_work(tx)
    # Clocks opened earlier in this batch are still buffered: into the table first, so that the
    # query below finds them too.
    await uow.flush()
    await store.save_calendar_year(tx.session, tx.schema, year.year, year.data_hash,
                                   p.model_dump(mode="json"), env.event_id)
    uow.calendar_changed()
    calendar = await uow.calendar(deps.calendars)
    rows = await store.open_provisional_for_year(tx.session, tx.schema, year.year)
    moved = 0
    for row in rows:
        rule = clocks.rule_of(deps, row.kind)
        result = recompute(row.state, rule, calendar, row.schedule)
        row.schedule = result.schedule  # records the new calendar_version, moved or not
        row.due_at = result.schedule.due_at or row.due_at
        await uow.update(row)
        if result.due_changed and result.previous.due_at is not None:
            moved += 1
            await clocks.emit(tx, deps, row, DeadlineRescheduled(
                deadline=clocks.facts(row, rule), previous_due_at=result.previous.due_at,
                reason="calendar_loaded"), env, case_correlation=True)
        clocks.warn_if_provisional(row)  # still provisional for another unknown year
    log.info("calendar year loaded; provisional deadlines recomputed", year=year.year,
             source=year.source, calendar_version=calendar.version, recomputed=len(rows),
             rescheduled=moved)
