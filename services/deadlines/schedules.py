"""Schedules of fresh clocks, computed once per (kind, start day, limit) and calendar.

Walking the working-day calendar costs ~0.1 ms a clock (a 30-day conclusion clock consults 30+
days and places its warning points), three clocks per complaint, yet every complaint dispatched
on one day to the same kind of clock gets the same schedule. A fresh state's schedule depends
only on the rule, the LOCAL start date, the limit (or fixed due date) and the calendar data, so
those are the key; `calendar.version` names the data exactly (package release + each loaded
year's hash), so a `calendar.year_loaded` can never be answered from a stale entry. States with
pauses or extensions are computed every time: they are per case and rare."""

from __future__ import annotations

from services.deadlines.domain import (
    DeadlineRule,
    DeadlineState,
    Schedule,
    WorkCalendar,
    compute_schedule,
    local_date,
)

_MAX_ENTRIES = 20_000  # days × kinds × limits in use: a few thousand in a year


class ScheduleCache:
    def __init__(self) -> None:
        self._entries: dict[tuple, Schedule] = {}
        self._version: str | None = None

    def schedule(self, state: DeadlineState, rule: DeadlineRule, calendar: WorkCalendar) -> Schedule:
        if state.pauses or state.extensions:
            return compute_schedule(state, rule, calendar)
        if calendar.version != self._version or len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()  # a calendar load: the old entries will not be asked again
            self._version = calendar.version
        key = (rule.kind, rule.rule_version, local_date(state.started_at), state.limit_days,
               state.due_date)
        found = self._entries.get(key)
        if found is None:
            found = self._entries[key] = compute_schedule(state, rule, calendar)
        return found
