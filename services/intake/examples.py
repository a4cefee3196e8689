"""One worked scenario that touches every inbound type, in order. It feeds the event catalogue
(docs/events.md is generated from it, so the examples stay true), the tests and the benchmark."""

from __future__ import annotations

from typing import Any

T = "2026-05-{:02d}T{}:00+08:00"

UNITS = [
    {"unit_id": "JYJ", "name": "县教育局", "kind": "department"},
    {"unit_id": "ZJJ", "name": "县住房和城乡建设局", "kind": "department"},
    {"unit_id": "CGZ", "name": "城关镇人民政府", "kind": "township"},
]
PEOPLE = [
    {"person_id": "p-zhang-wei", "name": "张伟", "unit_id": "ZJJ", "phone": "13812345678",
     "email": "zhang.wei@example.gov.cn"},
    {"person_id": "p-li-na", "name": "李娜", "unit_id": "ZJJ", "phone": "13987654321"},
    {"person_id": "p-wang-fang", "name": "王芳", "unit_id": "ZJJ"},
    {"person_id": "p-chen-jie", "name": "陈杰", "unit_id": "JYJ", "phone": "15011112222"},
]
APPOINTMENTS = [
    {"person_id": "p-zhang-wei", "unit_id": "ZJJ", "role": "leader",
     "effective_from": "2024-01-01"},
    {"person_id": "p-li-na", "unit_id": "ZJJ", "role": "handler", "effective_from": "2025-03-01"},
    {"person_id": "p-wang-fang", "unit_id": "ZJJ", "role": "approver",
     "effective_from": "2025-03-01"},
    {"person_id": "p-chen-jie", "unit_id": "JYJ", "role": "liaison",
     "effective_from": "2026-05-01", "effective_to": "2026-12-31"},
]
CAMPAIGN = {
    "campaign_id": "xiaoneng-2026", "year": 2026, "title": "2026年效能建设暨两项活动",
    "phases": [
        {"code": "mobilise", "name": "学习动员", "start": "2026-05-01", "end": "2026-05-15"},
        {"code": "self_check", "name": "查摆问题", "start": "2026-05-16", "end": "2026-05-31"},
        {"code": "rectify", "name": "整改规范", "start": "2026-06-01", "end": "2026-07-10"},
        {"code": "acceptance", "name": "检查验收", "start": "2026-07-11", "end": "2026-08-31"},
    ],
    "reports": [
        {"kind": "implementation_plan", "name": "实施方案", "due": "2026-05-15"},
        {"kind": "problem_findings", "name": "查摆问题情况", "due": "2026-05-30"},
        {"kind": "rectification_plan", "name": "整改方案", "due": "2026-06-20"},
        {"kind": "rectification_summary", "name": "整改结果及总结汇报材料", "due": "2026-07-25"},
    ],
}

ROSTER: list[tuple[str, dict[str, Any]]] = [
    *[("unit.registered", u) for u in UNITS],
    *[("person.registered", p) for p in PEOPLE],
    *[("person.appointed", a) for a in APPOINTMENTS],
    ("campaign.configured", CAMPAIGN),
]

MATTER = "ZJ-2026-0001"
COMPLAINT = "H12345-2026-000123"
# A 督办 decided by accountability for the finding below (its measure.decided names it).
SUPERVISION = "3f5d8c1e-2b7a-5c94-8e61-0d4a9b7f2c35"

CASES: list[tuple[str, dict[str, Any]]] = [
    ("report.submitted", {"submission_id": "sub-JYJ-1", "campaign_id": "xiaoneng-2026",
                          "unit_id": "JYJ", "report_kind": "implementation_plan",
                          "submitted_at": T.format(14, "16:20"), "title": "县教育局效能建设实施方案"}),
    ("matter.accepted", {"matter_id": MATTER, "unit_id": "ZJJ", "title": "建筑工程施工许可",
                         "matter_kind": "administrative_licence", "promised_working_days": 7,
                         "accepted_at": T.format(11, "09:30"), "handler_id": "p-li-na",
                         "approver_id": "p-wang-fang"}),
    ("matter.supplement_requested", {"matter_id": MATTER, "requested_at": T.format(12, "10:00"),
                                     "missing_documents": ["施工图审查合格书"]}),
    ("matter.supplement_requested", {"matter_id": MATTER, "requested_at": T.format(13, "15:00"),
                                     "missing_documents": ["中标通知书"]}),
    ("matter.paused", {"matter_id": MATTER, "reason": "expert_review",
                       "paused_at": T.format(14, "09:00"), "note": "组织专家评审"}),
    ("matter.resumed", {"matter_id": MATTER, "resumed_at": T.format(18, "09:00")}),
    ("matter.extended", {"matter_id": MATTER, "extra_working_days": 3, "approved_by": "p-zhang-wei",
                         "reason": "涉及多部门会审", "extended_at": T.format(19, "11:00")}),
    ("matter.completed", {"matter_id": MATTER, "completed_at": T.format(22, "17:00")}),
    ("complaint.filed", {"complaint_id": COMPLAINT, "channel": "hotline_12345",
                         "filed_at": T.format(12, "14:05"),
                         "complainant": {"name": "赵先生", "phone": "13700001111",
                                         "organisation": "城关建材有限公司"},
                         "target_unit_id": "ZJJ", "target_person_id": "p-li-na",
                         "category": "one_time_notice",
                         "description": "办理施工许可被要求两次补交材料"}),
    ("complaint.returned", {"complaint_id": COMPLAINT, "returned_at": T.format(12, "16:00"),
                            "reason": "属城关镇职责范围"}),
    ("complaint.redispatched", {"complaint_id": COMPLAINT, "to_unit_id": "ZJJ",
                                "dispatched_at": T.format(13, "09:00")}),
    ("complaint.accepted", {"complaint_id": COMPLAINT, "accepted_at": T.format(13, "10:00")}),
    ("complaint.extended", {"complaint_id": COMPLAINT, "extra_working_days": 5,
                            "reason": "需调取档案", "approved_by": "p-zhang-wei",
                            "extended_at": T.format(20, "10:00")}),
    ("complaint.concluded", {"complaint_id": COMPLAINT, "concluded_at": T.format(25, "15:00"),
                             "substantiated": True, "findings": "经查属实，承办人未一次性告知",
                             "responsible_person_id": "p-li-na"}),
    ("complaint.rated", {"complaint_id": COMPLAINT, "rating": "unsatisfied",
                         "rated_at": T.format(26, "10:00")}),
    ("complaint.filed", {"complaint_id": "H12345-2026-000124", "channel": "web",
                         "filed_at": T.format(15, "08:40"), "complainant": {"name": "钱女士"},
                         "target_unit_id": "ZJJ", "target_person_id": "p-zhang-wei",
                         "category": "four_difficulties", "description": "局长多次约见不到"}),
    ("complaint.refused", {"complaint_id": "H12345-2026-000124", "refused_at": T.format(18, "09:00"),
                           "reason": "已通过信访渠道处理"}),
    ("inspection.finding_recorded", {"finding_id": "DC-2026-017", "unit_id": "CGZ",
                                     "area": "duty", "issue": "phone_unanswered",
                                     "severity": "general", "evidence": ["call-log-0517-0915"],
                                     "inspected_at": T.format(17, "09:15"), "team": "第二督查组"}),
    ("appeal.lodged", {"appeal_id": "AP-2026-003", "measure_id": "M-2026-0042",
                       "person_id": "p-li-na", "lodged_at": T.format(27, "09:00"),
                       "grounds": "第二次补正系申请人更换设计单位所致"}),
    ("appeal.decided", {"appeal_id": "AP-2026-003", "decision": "reduced",
                        "reduced_to": "reminder", "decided_at": T.format(29, "16:00"),
                        "decided_by": "县效能办", "reasoning": "情节轻微"}),
    ("fault.exemption_granted", {"subject_id": MATTER, "unit_id": "ZJJ",
                                 "reason": "falsified_material", "note": "申请人提供虚假材料",
                                 "granted_at": T.format(29, "16:30")}),
    ("rectification.completed", {"measure_id": SUPERVISION, "unit_id": "CGZ",
                                 "rectified_at": T.format(28, "17:00"),
                                 "report": "已建立值班电话转接制度并通报全镇",
                                 "evidence": ["CGZ-zgbg-2026-05"], "confirmed_by": "县效能办"}),
]

SCENARIO = ROSTER + CASES


def example(type_: str) -> dict[str, Any]:
    """The first example body of a type."""
    return dict(next(d for t, d in SCENARIO if t == type_))
