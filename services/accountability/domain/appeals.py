"""申诉: pure state transitions on a measure.

in_force --file_appeal--> frozen --rule_on_appeal--> in_force (upheld / reduced) | revoked
A frozen measure does not count for 从重 and its score deduction is provisional."""

from collections.abc import Callable
from datetime import date

from .measures import Appeal, Measure
from .rulebook import RuleBook
from .vocabulary import AppealRuling, MeasureStatus

WorkingDaysBetween = Callable[[date, date], int]
"""working_days_between(start, end): working days after `start` up to and including `end`."""


class AppealError(ValueError):
    pass


def file_appeal(
    measure: Measure, *, appellant: str, notified_on: date, filed_on: date, reason: str,
    rulebook: RuleBook, working_days_between: WorkingDaysBetween,
) -> Measure:
    if measure.appeal is not None:
        raise AppealError(
            f"measure {measure.id} was already appealed on {measure.appeal.filed_on.isoformat()}; "
            "a measure can be appealed once")
    if measure.status is not MeasureStatus.IN_FORCE:
        raise AppealError(f"measure {measure.id} is {measure.status.value}; only a measure in force can be appealed")
    if appellant != measure.person_id:
        raise AppealError(
            f"only {measure.person_id}, who received measure {measure.id}, may appeal it (not {appellant})")
    if not reason.strip():
        raise AppealError("an appeal needs a reason")
    if filed_on < notified_on:
        raise AppealError(
            f"appeal filed on {filed_on.isoformat()}, before the measure was notified on {notified_on.isoformat()}")
    used = working_days_between(notified_on, filed_on)
    window = rulebook.appeal_window_working_days
    if used > window:
        raise AppealError(
            f"appeal filed {used} working days after notification on {notified_on.isoformat()}; "
            f"the window is {window} working days")
    appeal = Appeal(appellant=appellant, notified_on=notified_on, filed_on=filed_on, reason=reason,
                    original_measure=measure.code)
    return measure.model_copy(update={"status": MeasureStatus.FROZEN, "appeal": appeal})


def rule_on_appeal(
    measure: Measure, *, ruling: AppealRuling, ruled_on: date, reason: str, rulebook: RuleBook,
    reduced_to: str | None = None,
) -> Measure:
    appeal = measure.appeal
    if appeal is None:
        raise AppealError(f"measure {measure.id} has no appeal to rule on")
    if appeal.ruling is not None:
        raise AppealError(
            f"the appeal against measure {measure.id} was already ruled {appeal.ruling.value} "
            f"on {appeal.ruled_on.isoformat() if appeal.ruled_on else '?'}")
    if ruled_on < appeal.filed_on:
        raise AppealError(
            f"ruling dated {ruled_on.isoformat()} precedes the appeal filed on {appeal.filed_on.isoformat()}")
    if not reason.strip():
        raise AppealError("a ruling needs a reason")
    ruled = appeal.model_copy(update={
        "ruling": AppealRuling(ruling), "ruled_on": ruled_on, "ruling_reason": reason,
        "reduced_to": reduced_to,
    })
    return apply_appeal(measure, ruled, rulebook)


def apply_appeal(measure: Measure, appeal: Appeal, rulebook: RuleBook) -> Measure:
    """Apply a recorded appeal (filed, or filed and ruled) to a freshly decided measure; used by
    rule_on_appeal and by replay, which re-applies the appeal log to recomputed measures."""
    if appeal.ruling is None:
        return measure.model_copy(update={"status": MeasureStatus.FROZEN, "appeal": appeal})
    if appeal.ruling is AppealRuling.REDUCED:
        target = appeal.reduced_to
        if target is None:
            raise AppealError("a reduced ruling must name the lower measure (reduced_to)")
        try:
            lower = rulebook.rung(target) < rulebook.rung(measure.code)
        except ValueError:
            raise AppealError(f"reduced_to {target!r} is not a measure of rule book {rulebook.version}") from None
        if not lower:
            raise AppealError(
                f"reduced_to {target!r} is not below {measure.code!r} on the ladder of {rulebook.version}")
        m = rulebook.measure(target)
        return measure.model_copy(update={
            "status": MeasureStatus.IN_FORCE, "appeal": appeal, "code": m.code, "name_zh": m.name_zh,
            "rung": rulebook.rung(m.code), "points": m.points or 0, "referral": m.referral,
            "in_bulletin": m.in_bulletin, "rectification_working_days": m.rectification_working_days,
        })
    if appeal.reduced_to is not None:
        raise AppealError(f"reduced_to is only meaningful for a reduced ruling, not {appeal.ruling.value}")
    status = MeasureStatus.IN_FORCE if appeal.ruling is AppealRuling.UPHELD else MeasureStatus.REVOKED
    return measure.model_copy(update={"status": status, "appeal": appeal})
