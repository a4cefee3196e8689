"""Meaning checks for a rule book. Every problem is reported at once, each naming the rule or
measure at fault, so the office can fix a rejected book in one pass."""

from typing import Any

from pydantic import ValidationError

from .rulebook import Rule, RuleBook, RuleBookBody
from .vocabulary import FAULT_ROLES, FaultKind, Role, Severity


class RuleBookError(ValueError):
    def __init__(self, problems: list[str], version: str | None = None):
        self.problems = problems
        self.version = version
        head = f"rule book {version!r} rejected" if version else "rule book rejected"
        super().__init__(head + ":\n- " + "\n- ".join(problems))


def build_rulebook(raw: dict[str, Any]) -> RuleBook:
    """Validate a parsed rule book (e.g. from YAML) and return it, or raise RuleBookError."""
    if not isinstance(raw, dict):
        raise RuleBookError([f"expected a mapping at the top level, got {type(raw).__name__}"])
    version = str(raw.get("version")) if raw.get("version") is not None else None
    try:
        body = RuleBookBody.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '<top>'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise RuleBookError(problems, version) from None
    problems: list[str] = []
    problems += _measure_problems(body)
    ladder, ladder_problems = _ladder(body)
    problems += ladder_problems
    problems += _rule_problems(body)
    problems += _policy_problems(body)
    if problems:
        raise RuleBookError(problems, body.version)
    return RuleBook(**body.model_dump(), ladder=ladder)


def _measure_problems(body: RuleBookBody) -> list[str]:
    problems, seen = [], set()
    codes = {m.code for m in body.measures}
    for m in body.measures:
        if m.code in seen:
            problems.append(f"measure {m.code!r} is defined twice")
        seen.add(m.code)
        if m.points is None:
            problems.append(f"measure {m.code!r} has no point value (points)")
        elif m.points < 0:
            problems.append(f"measure {m.code!r} has negative points {m.points}")
        if m.escalates_to is not None and m.escalates_to not in codes:
            problems.append(f"measure {m.code!r} escalates to unknown measure {m.escalates_to!r}")
    return problems


def _ladder(body: RuleBookBody) -> tuple[tuple[str, ...], list[str]]:
    """The measures must form one chain via escalates_to: no cycle, no fork, no second start."""
    nxt = {m.code: m.escalates_to for m in body.measures}
    problems: list[str] = []
    declared = list(nxt)
    for start in nxt:  # cycle detection from every measure, reported once per cycle
        path, code = [], start
        while code is not None and code in nxt and code not in path:
            path.append(code)
            code = nxt[code]
        if code is not None and code in path and code == start:
            cycle = " → ".join(path[path.index(code):] + [code])
            # report each cycle once, starting from its member declared first in the file
            if min(path[path.index(code):], key=declared.index) == start:
                problems.append(f"cycle in the measure ladder: {cycle}")
    targets: dict[str, list[str]] = {}
    for code, target in nxt.items():
        if target is not None:
            targets.setdefault(target, []).append(code)
    for target, sources in targets.items():
        if len(sources) > 1:
            problems.append(f"ladder forks: {' and '.join(sources)} both escalate to {target!r}"
                            if len(sources) == 2 else
                            f"ladder forks: {', '.join(sources)} all escalate to {target!r}")
    roots = [c for c in nxt if c not in targets]
    if len(roots) > 1:
        problems.append(f"ladder has several lowest rungs: {', '.join(roots)}")
    if problems or not roots:
        return (), problems or ["the measure ladder is empty"]
    ladder, code = [], roots[0]
    while code is not None and code in nxt:
        ladder.append(code)
        code = nxt[code]
    return tuple(ladder), []


def _rule_problems(body: RuleBookBody) -> list[str]:
    problems: list[str] = []
    codes = {m.code for m in body.measures}
    kinds, severities, categories = set(FaultKind), set(Severity), set(body.categories)
    ids: set[str] = set()
    for i, rule in enumerate(body.rules):
        where = f"rule {rule.id!r}"
        if rule.id in ids:
            problems.append(f"{where} is defined twice")
        ids.add(rule.id)
        if rule.measure not in codes:
            problems.append(f"{where} names unknown measure {rule.measure!r}")
        for value, known, what in (
            *((k, kinds, "fault kind") for k in rule.kinds),
            *((s, severities, "severity") for s in rule.severities),
            *((c, categories, "category") for c in rule.categories),
        ):
            if value not in known:
                problems.append(f"{where} can never match: {what} {value!r} is not in the vocabulary")
        roles = set(rule.liable)
        for role in roles - {r.value for r in FAULT_ROLES}:
            problems.append(f"{where}: unknown liable role {role!r} (handler/reviewer/approver)")
        if rule.liable.get(Role.HANDLER.value) != "primary":
            problems.append(f"{where}: the handler must be liable as primary")
        for earlier in body.rules[:i]:
            if _covers(earlier, rule):
                problems.append(f"{where} can never match: shadowed entirely by earlier rule {earlier.id!r}")
                break
    for kind in FaultKind:  # every fault must meet a rule, whatever its category
        for sev in Severity:
            if not any(r.matches(kind, "\0any", sev) and not r.categories for r in body.rules):
                problems.append(f"no category-independent rule covers kind {kind.value!r} with severity {sev.value!r}")
    return problems


def _covers(earlier: Rule, later: Rule) -> bool:
    """True when every fault the later rule matches is already taken by the earlier one."""
    def dim(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return not a or (bool(b) and set(b) <= set(a))
    return (
        dim(earlier.kinds, later.kinds)
        and dim(earlier.categories, later.categories)
        and dim(earlier.severities, later.severities)
    )


def _policy_problems(body: RuleBookBody) -> list[str]:
    problems: list[str] = []
    codes = {m.code for m in body.measures}
    if body.repeat.window_months < 1 or body.dual_duty.window_months < 1:
        problems.append("window_months must be at least 1")
    for name, nths in (("repeat", [t.nth for t in body.repeat.tiers]), ("dual_duty", [t.nth for t in body.dual_duty.tiers])):
        if nths != sorted(set(nths)) or any(n < 2 for n in nths):
            problems.append(f"{name}.tiers: nth must be distinct, ascending and at least 2, got {nths}")
    for t in body.repeat.tiers:
        if t.steps_up < 1:
            problems.append(f"repeat tier nth={t.nth}: steps_up must be at least 1")
    for t in body.dual_duty.tiers:
        if t.measure not in codes:
            problems.append(f"dual_duty tier nth={t.nth} names unknown measure {t.measure!r}")
    days = [s.min_working_days for s in body.severity_from_lateness]
    if days != sorted(set(days)):
        problems.append(f"severity_from_lateness: min_working_days must be ascending, got {days}")
    for s in (*(s.severity for s in body.severity_from_lateness), body.default_severity):
        if s not in set(Severity):
            problems.append(f"unknown severity {s!r} (一般/严重/特别严重)")
    return problems
