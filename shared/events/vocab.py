"""Controlled vocabularies shared by every service (codes on the wire, Chinese labels for people)."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    department = "department"  # 县直部门
    township = "township"  # 乡镇


class Role(StrEnum):
    leader = "leader"  # 主要负责人（第一责任人）
    deputy = "deputy"  # 分管负责人
    liaison = "liaison"  # 联络员
    handler = "handler"  # 承办人
    reviewer = "reviewer"  # 审核人
    approver = "approver"  # 批准人


class PauseReason(StrEnum):
    """Statutory pauses (行政许可法 art. 45) and the applicant's supplement time."""

    hearing = "hearing"  # 听证
    testing = "testing"  # 检验、检测
    appraisal = "appraisal"  # 鉴定
    expert_review = "expert_review"  # 专家评审
    awaiting_applicant = "awaiting_applicant"  # 申请人补正


class ComplaintChannel(StrEnum):
    hotline_12345 = "hotline_12345"
    web = "web"
    walk_in = "walk_in"
    letter = "letter"


class ComplaintCategory(StrEnum):
    four_difficulties = "four_difficulties"  # 四难：门难进、脸难看、话难听、事难办
    three_arbitrary = "three_arbitrary"  # 三乱：乱收费、乱摊派、乱罚款
    bribery_obstruction = "bribery_obstruction"  # 吃拿卡要
    first_contact = "first_contact"  # 首问负责
    one_time_notice = "one_time_notice"  # 一次性告知
    time_limit = "time_limit"  # 限时办结
    duty = "duty"  # 六查六看：政务值守
    execution = "execution"  # 执行落实
    work_style = "work_style"  # 工作作风
    efficiency = "efficiency"  # 工作效率
    big_picture = "big_picture"  # 大局观念
    service_quality = "service_quality"  # 服务质量


class InspectionArea(StrEnum):
    """六查六看."""

    duty = "duty"  # 政务值守
    execution = "execution"  # 执行落实
    work_style = "work_style"  # 工作作风
    efficiency = "efficiency"  # 工作效率
    big_picture = "big_picture"  # 大局观念
    service_quality = "service_quality"  # 服务质量


class Severity(StrEnum):
    general = "general"  # 一般
    serious = "serious"  # 严重
    grave = "grave"  # 特别严重


class Rating(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class ExemptionReason(StrEnum):
    falsified_material = "falsified_material"  # 申请人提供虚假材料
    force_majeure = "force_majeure"  # 不可抗力


class AppealDecision(StrEnum):
    upheld = "upheld"  # 维持
    reduced = "reduced"  # 变更（减轻）
    revoked = "revoked"  # 撤销


COUNTY_OFFICE = "county-office"  # routing target for complaints against a unit's leadership
