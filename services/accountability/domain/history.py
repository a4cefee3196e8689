"""Which earlier faults count against a new one. Pure set logic, independent of the order in
which the caller collected the history."""

import calendar
from collections.abc import Iterable
from datetime import date
from uuid import UUID

from .faults import Fault
from .measures import FaultRef, Measure


def months_before(day: date, months: int) -> date:
    """Same day n calendar months earlier, clamped to the month's end (31 Mar - 1 month = 28/29 Feb)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def counting_prior_faults(fault: Fault, history: Iterable[Fault | Measure]) -> list[Fault]:
    """Prior faults that count: strictly before `fault` in canonical order (occurred_on, id),
    not exempt, and not discounted by appeals (all their known measures frozen or revoked).
    Duplicates are collapsed by id; anything at or after the fault is ignored."""
    faults: dict[UUID, Fault] = {}
    measures_by_fault: dict[UUID, list[Measure]] = {}
    for item in history:
        if isinstance(item, Measure):
            measures_by_fault.setdefault(item.fault_id, []).append(item)
        else:
            faults[item.id] = item
    prior = []
    for f in faults.values():
        if f.is_exempt or f.sort_key >= fault.sort_key:
            continue
        known = measures_by_fault.get(f.id, [])
        if known and not any(m.counts_for_escalation for m in known):
            continue
        prior.append(f)
    return sorted(prior, key=lambda f: f.sort_key)


def in_window(fault: Fault, prior: list[Fault], window_months: int) -> list[Fault]:
    """Window is (occurred_on - N months, occurred_on]: a fault exactly N months earlier is out."""
    start = months_before(fault.occurred_on, window_months)
    return [f for f in prior if f.occurred_on > start]


_REFS: dict[tuple, FaultRef] = {}


def ref(fault: Fault) -> FaultRef:
    # Every decision names the earlier faults it counted (tens per fault with a 12-month
    # window); building each reference anew was the largest cost of deciding. A reference is
    # a pure function of these fields, so equal fields share one (frozen) instance.
    key = (fault.id, fault.kind, fault.occurred_on, fault.category, fault.evidence)
    found = _REFS.get(key)
    if found is None:
        if len(_REFS) > 200_000:  # bounded: a long-running service sees every fault once
            _REFS.clear()
        found = _REFS[key] = FaultRef(
            fault_id=fault.id, kind=fault.kind, occurred_on=fault.occurred_on,
            category=fault.category, evidence=fault.evidence)
    return found
