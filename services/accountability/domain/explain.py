"""render_explanation(): a measure explains itself in Chinese, from its own record only."""

from .measures import FaultRef, Measure
from .vocabulary import FAULT_KIND_ZH, ROLE_ZH, SHARE_ZH, AppealRuling, MeasureStatus

_WORKING_DAY_ZH = {"lateness": "逾期", "limit": "承诺时限", "elapsed": "实际用时"}
_STATUS_ZH = {MeasureStatus.IN_FORCE: "生效", MeasureStatus.FROZEN: "申诉中（冻结）",
              MeasureStatus.REVOKED: "已撤销"}
_RULING_ZH = {AppealRuling.UPHELD: "维持", AppealRuling.REDUCED: "减轻", AppealRuling.REVOKED: "撤销"}


def _fault_line(f: FaultRef) -> str:
    return (f"{f.occurred_on.isoformat()} {FAULT_KIND_ZH[f.kind]}（{f.category}），"
            f"过错 {f.fault_id}，证据事件：{'、'.join(f.evidence)}")


def render_explanation(measure: Measure) -> str:
    e = measure.explanation
    lines = [
        f"处理措施：{measure.name_zh}（{measure.code}），对象 {measure.person_id}，单位 {measure.unit_id}",
        f"状态：{_STATUS_ZH[measure.status]}；扣分 {measure.points} 分",
        f"依据：规则 {e.rule_id}（规则手册 rule book 版本 {e.rulebook_version}）",
        f"过错：{_fault_line(e.fault)}",
        f"情节：{e.severity.value}（{e.severity_basis}）",
    ]
    if e.working_days:
        counts = "，".join(f"{_WORKING_DAY_ZH.get(k, k)} {v} 个工作日" for k, v in sorted(e.working_days.items()))
        lines.append(f"工作日计数：{counts}（工作日历 calendar 版本 {e.calendar_version or '未注明'}）")
    lines.append(
        f"责任链 liability：{e.liability.person_id}，{ROLE_ZH[e.liability.role]}，"
        f"{SHARE_ZH[e.liability.share]}——{e.liability.reason}")
    if e.aggravated:
        lines.append(f"从重：是。基础措施 {e.base_measure}，{e.aggravation_reason}")
    else:
        lines.append("从重：否")
    if e.counted_faults:
        lines.append("计入的此前过错：")
        lines += [f"  - {_fault_line(f)}" for f in e.counted_faults]
    if measure.rectification_working_days:
        lines.append(f"督办整改时限：{measure.rectification_working_days} 个工作日")
    if measure.referral:
        lines.append("移送有关机关按党纪政纪处分（referral）")
    a = measure.appeal
    if a is not None:
        lines.append(f"申诉：{a.filed_on.isoformat()} 由 {a.appellant} 提出（{a.reason}）")
        if a.ruling is not None:
            detail = f"，由 {a.original_measure} 减轻为 {a.reduced_to}" if a.reduced_to else ""
            lines.append(f"复核：{a.ruled_on.isoformat() if a.ruled_on else ''} {_RULING_ZH[a.ruling]}{detail}（{a.ruling_reason}）")
    lines += [f"备注：{n}" for n in e.notes]
    return "\n".join(lines)
