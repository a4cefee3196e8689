"""Pure: from a consumed event (plus what the directory knows) to notice requests — who hears
it in which role, and what each recipient's notice says (a context model for the templates).

The routing table then decides channels and timing; this module decides content and people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from shared.events.accountability import AppealRuled, MeasureDecided
from shared.events.complaints import ComplaintConcluded, ComplaintFiled
from shared.events.deadlines import DeadlineMet, DeadlineMissed, DeadlineWarned
from shared.messaging.errors import Rejected

from .roster import Person
from .messages.contexts import (
    AppealOutcome,
    AppealOutcomeContext,
    ComplaintAcknowledgedContext,
    ComplaintResultContext,
    DeadlineMissedContext,
    DeadlineWarningContext,
    MeasureDecidedContext,
    MeasureKind,
    MeasureWithdrawnContext,
    SupervisionClosedContext,
    MonthlyBulletinContext,
    NoticeKind,
)
from .routing import Role, notice_kind_for_measure

# What a deadline is about, as the notice names it (deadline events carry kind + subject id).
DEADLINE_TITLES = {
    "campaign_report": "效能建设活动报告报送",
    "matter": "办件",
    "complaint_acceptance": "效能投诉受理",
    "complaint_conclusion": "效能投诉办结",
    "rectification": "督办整改",
    "appeal_window": "申诉",
}

# The rule book's ladder codes (accountability) → the notice vocabulary. 警告 and above are
# referrals for 党纪政纪处分 and share one wording.
MEASURE_CODES = {
    "reminder": MeasureKind.REMINDER,
    "supervision": MeasureKind.SUPERVISION,
    "admonition": MeasureKind.ADMONITION,
    "public_criticism": MeasureKind.CIRCULATED_CRITICISM,
    "admonitory_talk": MeasureKind.ADMONISHING_TALK,
    **{c: MeasureKind.DISCIPLINARY_REFERRAL for c in (
        "warning", "demerit", "major_demerit", "demotion", "dismissal_from_post", "expulsion")},
}


@dataclass(frozen=True)
class Addressee:
    role: Role
    person: Person
    context: BaseModel


@dataclass(frozen=True)
class NoticeRequest:
    kind: NoticeKind
    unit_id: str | None
    addressees: tuple[Addressee, ...]
    # Roles the event does not name (a campaign report has no handler): their absence is not a
    # missing contact. Every other role without a holder is reported as a failed notice.
    not_applicable: frozenset[Role] = field(default_factory=frozenset)


def measure_kind(code: str) -> MeasureKind:
    try:
        return MEASURE_CODES[code]
    except KeyError:
        raise Rejected(f"unknown measure code {code!r}; add it to notify's MEASURE_CODES") from None


def _people(by_role: Mapping[Role, Sequence[Person]]):
    for role, people in by_role.items():
        for person in people:
            yield role, person


def deadline_notice(ev: DeadlineWarned | DeadlineMissed, unit_name: str,
                    by_role: Mapping[Role, Sequence[Person]]) -> NoticeRequest:
    d = ev.deadline
    common = dict(unit_name=unit_name, item_title=DEADLINE_TITLES.get(d.kind, d.kind),
                  item_ref=d.subject_id, deadline=d.due_at)
    if isinstance(ev, DeadlineWarned):
        kind = NoticeKind.DEADLINE_WARNING
        make = lambda p: DeadlineWarningContext(  # noqa: E731
            recipient_name=p.name, remaining_working_days=max(ev.remaining_working_days, 0),
            **common)
    else:
        kind = NoticeKind.DEADLINE_MISSED
        make = lambda p: DeadlineMissedContext(recipient_name=p.name, **common)  # noqa: E731
    addressees = tuple(Addressee(r, p, make(p)) for r, p in _people(by_role))
    absent = frozenset() if d.responsible.handler_id else frozenset({Role.HANDLER})
    return NoticeRequest(kind, d.unit_id, addressees, absent)


@dataclass(frozen=True)
class KnownMeasure:
    """A measure as notify last recorded it (directory.py keeps them)."""

    code: str
    revision: int
    superseded: bool


def supervision_closed(ev: DeadlineMet, unit_name: str,
                       by_role: Mapping[Role, Sequence[Person]]) -> NoticeRequest:
    """督办销号 to the unit that was ordered to rectify (its liaison and leader)."""
    d = ev.deadline
    make = lambda p: SupervisionClosedContext(  # noqa: E731
        recipient_name=p.name, unit_name=unit_name, decision_ref=d.subject_id,
        closed_at=ev.met_at,
        late_working_days=ev.lateness_working_days or None)
    return NoticeRequest(NoticeKind.SUPERVISION_CLOSED, d.unit_id,
                         tuple(Addressee(r, p, make(p)) for r, p in _people(by_role)))


class MeasureChange(StrEnum):
    """What a measure.decided tells the people concerned."""

    DECIDED = "decided"  # a first decision
    REVISED = "revised"  # a decision already announced, now changed (count, exemption, re-order)
    WITHDRAWN = "withdrawn"  # no longer applies (superseded)


def measure_change(ev: MeasureDecided, previous: KnownMeasure | None) -> MeasureChange | None:
    """Pure. `previous`: the measure as notify last recorded it (None: never seen). Accountability
    publishes a measure only when what its recipients were told changes (code, points, rule,
    从重) or it is withdrawn; a freeze, or a ruling that upholds or revokes, publishes nothing
    for it. None: nobody is told
    here — a revoked measure (appeal.ruled told the appellant), or the new rung a 'reduced'
    ruling set (appeal.ruled again)."""
    if ev.status == "revoked":
        return None
    if ev.superseded:
        # Only what was announced, and not withdrawn already, can be withdrawn.
        return (MeasureChange.WITHDRAWN if previous is not None and not previous.superseded
                else None)
    # In force, or frozen by a pending appeal and recounted meanwhile: news either way.
    if previous is None:
        return MeasureChange.DECIDED if ev.revision == 0 else MeasureChange.REVISED
    if previous.superseded:
        return MeasureChange.DECIDED  # withdrawn, now decided again: told as a new decision
    if ev.appeal_ruling == "reduced" and previous.code != ev.measure:
        return None
    return MeasureChange.REVISED


def _concerned(ev: MeasureDecided, unit_name: str, concerned: Person | None,
               by_role: Mapping[Role, Sequence[Person]]) -> tuple[dict, str]:
    """The roles of a measure's notice, with the person concerned: the person the measure names,
    or for a measure on the unit itself its liaison; and the name the notice gives them."""
    people = dict(by_role)
    if concerned is not None:
        people[Role.PERSON_CONCERNED] = [concerned]
    elif ev.person_id is None:
        people[Role.PERSON_CONCERNED] = list(by_role.get(Role.UNIT_LIAISON, []))
    return people, concerned.name if concerned else unit_name


def _liaison_only_if(told: bool, people: dict) -> frozenset[Role]:
    """Leave the liaison out of a notice they have no part in; their absence is then not a
    missing contact (the notice's `not_applicable`)."""
    if told:
        return frozenset()
    people.pop(Role.UNIT_LIAISON, None)
    return frozenset({Role.UNIT_LIAISON})


def measure_notice(ev: MeasureDecided, unit_name: str, concerned: Person | None,
                   by_role: Mapping[Role, Sequence[Person]], *, revised: bool = False,
                   previous_code: str | None = None) -> NoticeRequest:
    """by_role holds the unit's liaison and leader; `concerned` is the person the measure names
    (None for a measure on the unit itself, which its liaison receives). `revised`: the measure
    was announced before and changed (previous_code: what it was, if notify knows)."""
    measure = measure_kind(ev.measure)
    kind = notice_kind_for_measure(measure)
    people, person_name = _concerned(ev, unit_name, concerned, by_role)
    previous = measure_kind(previous_code) if revised and previous_code else None
    if previous is measure and previous_code != ev.measure:
        previous = None  # another rung with the same wording (警告 → 记过): "原决定予以变更"
    # The liaison hears of a measure (other than a 督办, which the unit answers) only when it
    # replaces a 督办: the unit was told to rectify, and that order has now ended.
    absent = _liaison_only_if(kind is not NoticeKind.MEASURE_DECIDED
                              or previous is MeasureKind.SUPERVISION, people)

    def make(p: Person) -> MeasureDecidedContext:
        return MeasureDecidedContext(
            recipient_name=p.name, unit_name=unit_name, person_name=person_name, measure=measure,
            reason=ev.explanation, decision_ref=ev.measure_id, decided_at=ev.decided_at,
            rule_id=ev.rule_id, rule_version=ev.rulebook_version,
            rectification_working_days=ev.rectification_working_days,
            # A revision's own figure would read as a further deduction; the template says the
            # score is recounted instead.
            score_deduction=round(ev.points) if ev.points > 0 and not revised else None,
            revised=revised, previous_measure=previous,
            # A 督办 revised as a 督办 keeps its order: the clock runs from the first notice.
            rectification_continues=revised and previous_code == ev.measure == "supervision")

    return NoticeRequest(kind, ev.unit_id,
                         tuple(Addressee(r, p, make(p)) for r, p in _people(people)), absent)


def withdrawal_notice(ev: MeasureDecided, unit_name: str, concerned: Person | None,
                      by_role: Mapping[Role, Sequence[Person]]) -> NoticeRequest:
    """措施撤销 for a superseded measure: to the person concerned and the unit leader, and to the
    liaison where the unit itself was told (a 督办 to rectify, or a measure on the unit)."""
    measure = measure_kind(ev.measure)
    people, person_name = _concerned(ev, unit_name, concerned, by_role)
    absent = _liaison_only_if(measure is MeasureKind.SUPERVISION or ev.person_id is None, people)
    make = lambda p: MeasureWithdrawnContext(  # noqa: E731
        recipient_name=p.name, unit_name=unit_name, person_name=person_name, measure=measure,
        decision_ref=ev.measure_id, withdrawn_at=ev.decided_at)
    return NoticeRequest(NoticeKind.MEASURE_WITHDRAWN, ev.unit_id,
                         tuple(Addressee(r, p, make(p)) for r, p in _people(people)), absent)


def appeal_notice(ev: AppealRuled, unit_name: str, original_code: str,
                  appellant: Sequence[Person], leaders: Sequence[Person] = (),
                  appellant_name: str | None = None,
                  liaisons: Sequence[Person] = ()) -> NoticeRequest:
    """To the appellant, and to the unit leader, who was told of the measure too (a notice about
    the appellant's appeal, naming them: `appellant_name`, else the unit for a unit's measure);
    to the liaison as well where a 督办 is ruled on or reduced to, since the unit carries out the
    order. Someone who is also the appellant gets the appellant's wording."""
    try:
        outcome = AppealOutcome(ev.decision)
    except ValueError:
        raise Rejected(f"unknown appeal decision {ev.decision!r}") from None
    new = measure_kind(ev.new_measure) if outcome is AppealOutcome.REDUCED and ev.new_measure else None
    if outcome is AppealOutcome.REDUCED and new is None:
        raise Rejected("a reduced appeal ruling must name the new measure")
    original = measure_kind(original_code)
    common = dict(unit_name=unit_name, appeal_ref=ev.appeal_id,
                  original_decision_ref=ev.measure_id, original_measure=original,
                  outcome=outcome, new_measure=new, decided_at=ev.ruled_at)
    about = appellant_name or unit_name
    order = MeasureKind.SUPERVISION in (original, new)
    others = [(Role.UNIT_LEADER, p) for p in leaders]
    if order:
        others += [(Role.UNIT_LIAISON, p) for p in liaisons]
    # The others first: enqueue keeps one context per person, the last one given.
    return NoticeRequest(NoticeKind.APPEAL_OUTCOME, ev.unit_id, (
        *(Addressee(role, p, AppealOutcomeContext(
            appellant_name=about, recipient_name=p.name, **common)) for role, p in others),
        *(Addressee(Role.APPELLANT, p, AppealOutcomeContext(appellant_name=p.name, **common))
          for p in appellant)), frozenset() if order else frozenset({Role.UNIT_LIAISON}))


def acknowledgement(ev: ComplaintFiled, complainant: Person, handling_unit_name: str,
                    enquiry_phone: str) -> NoticeRequest:
    ctx = ComplaintAcknowledgedContext(
        complainant_name=complainant.name, complaint_ref=ev.complaint_id,
        received_at=ev.filed_at, handling_unit_name=handling_unit_name,
        enquiry_phone=enquiry_phone)
    return NoticeRequest(NoticeKind.COMPLAINT_ACKNOWLEDGED, ev.target_unit_id,
                         (Addressee(Role.COMPLAINANT, complainant, ctx),))


def complaint_result(ev: ComplaintConcluded, complainant: Person, handling_unit_name: str,
                     rating_url: str) -> NoticeRequest:
    ctx = ComplaintResultContext(
        complainant_name=complainant.name, complaint_ref=ev.complaint_id,
        handling_unit_name=handling_unit_name, substantiated=ev.substantiated,
        result_summary=ev.findings, concluded_at=ev.concluded_at, rating_url=rating_url)
    return NoticeRequest(NoticeKind.COMPLAINT_RESULT, ev.target_unit_id,
                         (Addressee(Role.COMPLAINANT, complainant, ctx),))


def bulletin_notice(year: int, month: int, text: str, published_at: datetime, unit_id: str,
                    unit_name: str, leaders: Sequence[Person]) -> NoticeRequest:
    """One request per unit, so a unit without a leader today is reported by itself."""
    make = lambda p: MonthlyBulletinContext(  # noqa: E731
        recipient_name=p.name, unit_name=unit_name, year=year, month=month,
        published_at=published_at, text=text)
    return NoticeRequest(NoticeKind.MONTHLY_BULLETIN, unit_id,
                         tuple(Addressee(Role.UNIT_LEADER, p, make(p)) for p in leaders))
