"""月度通报: the monthly bulletin of measures at or above 通报批评 (in_bulletin in the rule book).

Measures under appeal are not published yet — naming someone before the ruling would be unfair
and could not be taken back — but the bulletin says how many are pending, so nothing is hidden.
Revoked measures are left out. A measure belongs to the month of its fault."""

from collections.abc import Iterable, Mapping

from .measures import Measure
from .vocabulary import FAULT_KIND_ZH, ROLE_ZH, MeasureStatus


def render_bulletin(year: int, month: int, measures: Iterable[Measure], units: Mapping[str, str],
                    people: Mapping[str, str] | None = None) -> str:
    """units: unit_id -> unit name; people: person_id -> name (a 通报 names the person; the id
    is shown when the name is unknown)."""
    people = people or {}
    in_month = [m for m in measures if (m.occurred_on.year, m.occurred_on.month) == (year, month)
                and m.in_bulletin]
    published = sorted((m for m in in_month if m.status is MeasureStatus.IN_FORCE),
                       key=lambda m: (-m.rung, units.get(m.unit_id, m.unit_id), m.sort_key))
    pending = [m for m in in_month if m.status is MeasureStatus.FROZEN]
    lines = [f"{year}年{month}月行政效能问题通报", ""]
    if not published:
        lines.append("本月无通报批评及以上处理事项。")
    else:
        lines.append(f"本月共有 {len(published)} 项通报批评及以上处理，现通报如下：")
        for i, m in enumerate(published, start=1):
            e = m.explanation
            unit = units.get(m.unit_id, m.unit_id)
            heavier = "（从重）" if e.aggravated else ""
            lines.append(
                f"{i}. {unit} {ROLE_ZH[m.role]} {people.get(m.person_id, m.person_id)}：{e.fault.occurred_on.isoformat()} "
                f"{FAULT_KIND_ZH[e.fault.kind]}（{e.fault.category}，{e.severity.value}），"
                f"给予{m.name_zh}{heavier}。依据规则 {e.rule_id}（版本 {e.rulebook_version}）。")
    if pending:
        lines.append(f"另有 {len(pending)} 项处理正在申诉复核中，复核后另行通报。")
    lines += ["", "各地各部门要引以为戒，坚持教育和惩处相结合，切实改进作风、提高效能。"]
    return "\n".join(lines)
