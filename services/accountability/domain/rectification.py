"""督办整改: whether a reported rectification closes a measure's clock, and when a measure's
clock is requested, or no longer applies. Pure functions over the measure as stored.

A measure with `rectification_working_days` (督办 in the default rule book; the county may give
the period to other measures) opens a rectification clock in the deadlines service. It is closed
by a confirmed rectification, or withdrawn when the measure stops ordering it (revoked or
reduced on appeal, escalated by a recount to a measure without a period, or no longer decided);
otherwise it red-cards into a 执行落实 fault. A measure withdrawn and later decided a 督办 again
(a recount undone, e.g. by an exemption) is ordered again: a new round of its clock, started at
the new order (RectificationOrder)."""

from dataclasses import dataclass
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

    ordered_at: when the running order started (the current round of its clock), which a later
    revision that keeps the order does not move (see RectificationOrder);
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


@dataclass(frozen=True)
class RectificationOrder:
    """A measure's order to rectify as its revisions are saved: how many times it was ordered
    (`number`, 0: never) and when the latest order started (`started_at`): the round of the
    deadlines service's clock that runs now, or ran last if the order was withdrawn since.

    A report is judged against `started_at`, not against the latest revision (decided_at): a
    revision that keeps the order (an appeal ruling, a recount to another 督办) keeps the clock
    running from the order. A withdrawn order that a later revision gives again is a new order:
    deadlines restarts the measure's clock as a new round from then (the request's event id
    carries `number`), so the new start is what a report is judged against."""

    number: int = 0
    started_at: datetime | None = None

    def renewed(self, requested_at: datetime | None) -> "RectificationOrder":
        """As a revision is saved: a new order when it requests the clock now, else the same."""
        if requested_at is None:
            return self
        return RectificationOrder(self.number + 1, requested_at)


def orders_rectification(before: Measure | None, after: Measure, *,
                         rectified_at: datetime | None = None) -> bool:
    """Whether deciding `after` requests a rectification clock: it owes a rectification that
    `before` (the revision in force; None: the measure is new or was no longer decided) did
    not, and the measure was not reported rectified (`rectified_at`) under an earlier order.

    One confirmed report answers the measure (one per measure: check_rectification refuses a
    second as `already_rectified`). A measure rectified, then withdrawn by a recount and
    decided a 督办 again is the same order for the same fault, already carried out: a new
    clock would red-card a unit with nothing left to do, and no report could close it."""
    return owes_rectification(after) and not owes_rectification(before) and rectified_at is None


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
    # A lower rung: reduced on appeal, or recounted lighter (提醒); a higher one: recounted
    # heavier (从重, e.g. 效能告诫), which orders no rectification either. Equal rungs, another
    # measure: only across rule book versions (each ladder numbers its own rungs).
    moved = ("escalated" if after.rung > before.rung
             else "reduced" if after.rung < before.rung else "changed")
    return (f"the measure was {moved} to {after.code} ({after.name_zh}), "
            "which orders no rectification")
