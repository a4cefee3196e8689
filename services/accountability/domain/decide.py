"""decide(): one fault + its history → the measures, each explaining itself.

Deterministic by construction: no wall clock, history is treated as a set and ordered by
(occurred_on, fault id), and every id is derived from its inputs."""

from collections.abc import Callable, Iterable
from datetime import date

from .faults import Fault
from .history import counting_prior_faults, in_window, ref
from .measures import Explanation, LiabilityLink, Measure, measure_id_for
from .rulebook import RuleBook, Rule
from .vocabulary import FAULT_ROLES, ROLE_ZH, Role, Severity, Share

LeaderLookup = Callable[[str, date], str | None]
"""roster: leader_of(unit_id, on_date) -> the principal leader's person id, or None."""


def derive_severity(fault: Fault, book: RuleBook) -> tuple[Severity, str]:
    if fault.severity is not None:
        return fault.severity, "来源事件给定"
    late = fault.working_days.get(book.lateness_key)
    if late is not None:
        chosen = None
        for step in book.severity_from_lateness:
            if late >= step.min_working_days:
                chosen = step
        if chosen is not None:
            return Severity(chosen.severity), (
                f"按规则手册由逾期 {late} 个工作日推定（≥{chosen.min_working_days} 日为{chosen.severity}）")
    return Severity(book.default_severity), f"来源未给定，按规则手册默认为{book.default_severity}"


def decide(
    fault: Fault, history: Iterable[Fault | Measure], rulebook: RuleBook, roster: LeaderLookup,
) -> list[Measure]:
    """Measures for `fault`. history: earlier faults and their measures (extra items are
    harmless: anything at or after the fault in canonical order is ignored)."""
    if fault.is_exempt:
        return []
    prior = counting_prior_faults(fault, history)
    severity, severity_basis = derive_severity(fault, rulebook)
    rule = rulebook.first_matching_rule(fault.kind, fault.category, severity)
    recipients, notes = _recipients(fault, rule)
    leader_measure, leader_notes = _dual_duty(fault, prior, rulebook, roster, severity, severity_basis)
    notes += leader_notes
    measures = []
    for role, share, person in recipients:
        base = rule.measure if share is Share.PRIMARY else rulebook.descend(
            rule.measure, rulebook.secondary_rungs_below)
        counted, steps = _repeat(fault, prior, rulebook, person)
        final = rulebook.escalate(base, steps)
        reason = None
        if steps:
            subject = "本单位" if rulebook.repeat.scope == "unit" else f"{person} 本人"
            reason = (f"{subject} {rulebook.repeat.window_months} 个月内第 {len(counted) + 1} 次过错，"
                      f"从重上调 {steps} 档")
        why = f"{ROLE_ZH[role]}，{'承担直接责任' if share is Share.PRIMARY else '对本事项负审核/批准责任'}"
        explanation = Explanation(
            rule_id=rule.id, rulebook_version=rulebook.version, fault=ref(fault),
            severity=severity, severity_basis=severity_basis, working_days=dict(fault.working_days),
            calendar_version=fault.calendar_version,
            liability=LiabilityLink(person_id=person, role=role, share=share, reason=why),
            base_measure=base, aggravated=bool(steps), aggravation_reason=reason,
            counted_faults=tuple(ref(f) for f in counted) if steps else (), notes=tuple(notes),
        )
        measures.append(build_measure(fault, rulebook, rule.id, final, explanation))
    if leader_measure is not None:
        measures.append(leader_measure.model_copy(update={"explanation": leader_measure.explanation.model_copy(
            update={"notes": tuple(notes)})}))
    return measures


def build_measure(fault: Fault, book: RuleBook, rule_id: str, code: str, explanation: Explanation) -> Measure:
    m = book.measure(code)
    person = explanation.liability.person_id
    return Measure(
        id=measure_id_for(fault.id, person, rule_id), fault_id=fault.id, unit_id=fault.unit_id,
        person_id=person, role=explanation.liability.role, share=explanation.liability.share,
        occurred_on=fault.occurred_on, code=m.code, name_zh=m.name_zh, rung=book.rung(m.code),
        points=m.points or 0, rectification_working_days=m.rectification_working_days,
        referral=m.referral, in_bulletin=m.in_bulletin, explanation=explanation,
    )


def _recipients(fault: Fault, rule: Rule) -> tuple[list[tuple[Role, Share, str]], list[str]]:
    """Primary roles first, so a person holding two roles keeps the heavier measure only."""
    ordered = sorted(
        (Role(r) for r in rule.liable),
        key=lambda r: (rule.liable[r.value] != "primary", FAULT_ROLES.index(r)),
    )
    out, notes, seen = [], [], {}
    for role in ordered:
        person = fault.responsible.get(role)
        if person is None:
            notes.append(f"规则 {rule.id} 追究{ROLE_ZH[role]}，但过错记录未载明{ROLE_ZH[role]}")
            continue
        if person in seen:
            notes.append(f"{person} 同时为{ROLE_ZH[seen[person]]}和{ROLE_ZH[role]}，只按较重的一项处理")
            continue
        seen[person] = role
        out.append((role, Share(rule.liable[role.value]), person))
    return out, notes


def _repeat(fault: Fault, prior: list[Fault], book: RuleBook, person: str) -> tuple[list[Fault], int]:
    policy = book.repeat
    if policy.scope == "unit":
        same = [f for f in prior if f.unit_id == fault.unit_id]
    else:
        same = [f for f in prior if person in f.responsible.values()]
    counted = in_window(fault, same, policy.window_months)
    nth = len(counted) + 1
    steps = max((t.steps_up for t in policy.tiers if nth >= t.nth), default=0)
    return counted, steps


def _dual_duty(fault, prior, book: RuleBook, roster: LeaderLookup, severity, severity_basis):
    """一岗双责: when the unit's nth fault in the window hits a tier exactly, the leader in post
    on the fault date answers (exactly, so the leader is not re-sanctioned for every later fault)."""
    policy = book.dual_duty
    counted = in_window(fault, [f for f in prior if f.unit_id == fault.unit_id], policy.window_months)
    nth = len(counted) + 1
    tier = next((t for t in policy.tiers if t.nth == nth), None)
    if tier is None:
        return None, []
    leader = roster(fault.unit_id, fault.occurred_on)
    if leader is None:
        return None, [f"一岗双责：本单位 {policy.window_months} 个月内第 {nth} 次过错，但名册中"
                      f"{fault.occurred_on.isoformat()} 无在任主要负责人，未能追究领导责任"]
    rule_id = f"dual_duty/{nth}"
    why = (f"{fault.occurred_on.isoformat()} 在任的单位主要负责人；本单位 {policy.window_months} 个月内"
           f"第 {nth} 次过错，按一岗双责追究领导责任")
    explanation = Explanation(
        rule_id=rule_id, rulebook_version=book.version, fault=ref(fault), severity=severity,
        severity_basis=severity_basis, working_days=dict(fault.working_days),
        calendar_version=fault.calendar_version,
        liability=LiabilityLink(person_id=leader, role=Role.LEADER, share=Share.LEADERSHIP, reason=why),
        base_measure=tier.measure, aggravated=False, aggravation_reason=None,
        counted_faults=tuple(ref(f) for f in counted),
    )
    return build_measure(fault, book, rule_id, tier.measure, explanation), []
