"""The batch INSERT carries, per column, exactly the values the one-row statements carry (the
batch and one-at-a-time paths must store the same rows); a provisional row's years travel as
an array literal there."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from services.deadlines import store
from services.deadlines.codec import NOBODY, DeadlineRow, deadline_id
from services.deadlines.domain import LOCAL_TZ, open_deadline
from services.deadlines.schedules import ScheduleCache
from shared.events.deadlines import Responsible


class _Result:
    def __init__(self, ids: list[str]) -> None:
        self._ids = ids

    def scalars(self) -> list[str]:
        return self._ids


class _Session:
    def __init__(self) -> None:
        self.params: dict | None = None

    async def execute(self, _stmt, params):  # noqa: ANN001
        self.params = params
        return _Result(params["deadline_id"])


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 9, tzinfo=LOCAL_TZ)


def _row(book, calendar, kind: str, subject: str, start: datetime, **kw) -> DeadlineRow:
    rule = book.rule(kind)
    state = open_deadline(rule, start, **kw)
    return DeadlineRow(deadline_id(kind, subject), kind, "complaint", subject, "U01", state,
                       ScheduleCache().schedule(state, rule, calendar),
                       origin_event_id=uuid.uuid4(), correlation_id=uuid.uuid4())


def test_batch_columns_are_the_one_row_params(book, calendar):
    rows = [
        _row(book, calendar, "complaint_acceptance", "C-1", _at(2026, 10, 9)),
        _row(book, calendar, "complaint_conclusion", "C-2", _at(2026, 12, 20), category="四难"),
        _row(book, calendar, "matter", "M-1", _at(2026, 12, 29), limit_days=5),
    ]
    rows[2].responsible = Responsible(handler_id="p-7")
    assert rows[0].responsible is NOBODY
    assert rows[1].schedule.provisional and rows[1].schedule.provisional_years == (2027,)
    session = _Session()
    inserted = asyncio.run(store.insert_many(session, "s", rows))
    assert inserted == {r.deadline_id for r in rows}
    arrays = session.params
    assert set(arrays) == {name for name, _ in store._ARRAYS}
    for i, row in enumerate(rows):
        one = store._params(row)
        years = one.pop("provisional_years")
        assert arrays["provisional_years"][i] == "{" + ",".join(map(str, years)) + "}"
        assert {name: arrays[name][i] for name in one} == one
    assert arrays["provisional_years"][1] == "{2027}"
    assert arrays["responsible"][0] == NOBODY.model_dump_json()
    assert Responsible.model_validate_json(arrays["responsible"][2]).handler_id == "p-7"
