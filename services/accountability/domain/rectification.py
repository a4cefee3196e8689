"""督办整改: whether a reported rectification closes a measure's clock, and when a measure's
clock no longer applies. Pure functions over the measure as stored.

A measure with `rectification_working_days` (督办 in the default rule book; the county may give
the period to other measures) opens a rectification clock in the deadlines service. It is closed
by a confirmed rectification, or withdrawn when the measure stops ordering it (revoked or
reduced on appeal, or no longer decided); otherwise it red-cards into a 执行落实 fault."""

from datetime import datetime

from .measures import Measure
from .vocabulary import MeasureStatus


class RectificationError(ValueError):
    """A rectification report that does not fit the measure; `code` is the dead-letter code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_rectification(measure: Measure, *, unit_id: str, rectified_at: datetime,
                        ordered_at: datetime, rectified_before: datetime | None) -> None:
    """Raise RectificationError unless the report may close the measure's clock.

    ordered_at: when its rectification was first ordered (its clock started), which a later
    revision of the measure does not move (see first_ordered_at);
    rectified_before: when an earlier report was recorded for it, if any."""
    label = f"measure {measure.id} ({measure.name_zh})"
    # The unit first: a report about another unit's measure learns nothing else about it.
    if unit_id != measure.unit_id:
        raise RectificationError(
            "wrong_unit", f"{label} was ordered against unit {measure.unit_id!r}, not {unit_id!r}")
    if measure.status is MeasureStatus.REVOKED:
        raise RectificationError(
            "measure_revoked", f"{label} was revoked on appeal: there is nothing to rectify")
    if not measure.rectification_working_days:
        raise RectificationError(
            "no_rectification_period",
            f"{label} orders no rectification period (only a 督办 does): there is no clock to close")
    if rectified_before is not None:
        raise RectificationError(
            "already_rectified",
            f"{label} was already reported rectified on {rectified_before.isoformat()}")
    if rectified_at < ordered_at:
        # The clock cannot be closed before it started (deadlines would refuse it out of order).
        raise RectificationError(
            "rectified_before_order",
            f"rectified_at {rectified_at.isoformat()} is before {label} was ordered on "
            f"{ordered_at.isoformat()}")


def first_ordered_at(ordered_before: datetime | None,
                     requested_now: datetime | None) -> datetime | None:
    """When a measure's rectification was first ordered, as a revision of it is saved:
    `ordered_before` (stored with an earlier revision), else `requested_now` (the time its clock
    is requested by this revision, None when it is not).

    The first time stays for good, also when a revision withdrew the clock and a later one
    orders a rectification again: the deadlines service keeps one clock per measure (deadline
    `rectification:<measure>`; the request's event id is derived from the measure alone), so it
    drops the second request as a duplicate and its clock still starts at the first order. A
    report is judged against that clock, not against the latest revision (decided_at)."""
    return ordered_before if ordered_before is not None else requested_now


def owes_rectification(measure: Measure | None) -> bool:
    """Whether a measure (None: no longer decided) keeps a rectification clock running."""
    return (measure is not None and bool(measure.rectification_working_days)
            and measure.status is not MeasureStatus.REVOKED)


def withdrawal_reason(before: Measure | None, after: Measure | None) -> str | None:
    """Why the clock of a measure that owed a rectification must be withdrawn now that it is
    decided as `after` (None: no longer decided), or None when the clock stands. Left running,
    it would red-card into a fault for an order that no longer stands."""
    if not owes_rectification(before) or owes_rectification(after):
        return None
    if after is None:
        return "the measure is no longer decided (its fault was exempted or recounted)"
    if after.status is MeasureStatus.REVOKED:
        return "the measure was revoked on appeal"
    return (f"the measure was reduced to {after.code} ({after.name_zh}), "
            "which orders no rectification")
