"""The closed vocabulary of the accountability domain.

Fault kinds, severities and roles are produced by code (the other services), so they are enums
here; categories and measure codes belong to the county and live in the rule book.
"""

from enum import StrEnum
from uuid import UUID, uuid5, NAMESPACE_URL

# Every deterministic id in this domain derives from this namespace, so a replay on another
# machine (or next year) produces the same ids for the same evidence.
ACCOUNTABILITY_NAMESPACE: UUID = uuid5(NAMESPACE_URL, "https://xiaoneng.example/accountability")


class FaultKind(StrEnum):
    DEADLINE_MISSED = "deadline_missed"  # 逾期未办结
    LATE_COMPLETION = "late_completion"  # 超时办结
    REPEAT_SUPPLEMENT_REQUEST = "repeat_supplement_request"  # 违反一次性告知
    COMPLAINT_SUBSTANTIATED = "complaint_substantiated"  # 效能投诉查实
    INSPECTION_FINDING = "inspection_finding"  # 督查发现
    # 超时限退单. The wire name (FaultRecorded.kind, the rule book) is the one the event catalogue
    # uses; CHARGEBACK_OUT_OF_WINDOW stays as an alias for code written before the rename.
    RETURN_OUT_OF_WINDOW = "return_out_of_window"
    CHARGEBACK_OUT_OF_WINDOW = "return_out_of_window"


class Severity(StrEnum):
    GENERAL = "一般"
    SERIOUS = "严重"
    GRAVE = "特别严重"


SEVERITY_ORDER: tuple[Severity, ...] = (Severity.GENERAL, Severity.SERIOUS, Severity.GRAVE)


class Role(StrEnum):
    HANDLER = "handler"  # 承办人
    REVIEWER = "reviewer"  # 审核人
    APPROVER = "approver"  # 批准人
    LEADER = "leader"  # 单位主要负责人 (一岗双责), never named on a fault, found on the roster


# Order in which roles are considered: it decides who keeps the heavier measure when one
# person holds two roles on the same matter.
FAULT_ROLES: tuple[Role, ...] = (Role.HANDLER, Role.REVIEWER, Role.APPROVER)

ROLE_ZH = {
    Role.HANDLER: "承办人",
    Role.REVIEWER: "审核人",
    Role.APPROVER: "批准人",
    Role.LEADER: "主要负责人",
}


class Share(StrEnum):
    """Why a person answers for a fault."""

    PRIMARY = "primary"  # 直接责任
    SECONDARY = "secondary"  # 间接责任 (审核、批准)
    LEADERSHIP = "leadership"  # 领导责任 (一岗双责)


SHARE_ZH = {Share.PRIMARY: "直接责任", Share.SECONDARY: "间接责任", Share.LEADERSHIP: "领导责任"}


class MeasureStatus(StrEnum):
    IN_FORCE = "in_force"  # 生效
    FROZEN = "frozen"  # 申诉中：不计入从重，扣分暂计
    REVOKED = "revoked"  # 撤销：不计入从重，分数恢复


class AppealRuling(StrEnum):
    UPHELD = "upheld"  # 维持
    REDUCED = "reduced"  # 减轻
    REVOKED = "revoked"  # 撤销


class ExemptionReason(StrEnum):
    APPLICANT_FALSIFIED = "applicant_falsified"  # 申请人提供虚假材料
    FORCE_MAJEURE = "force_majeure"  # 不可抗力


FAULT_KIND_ZH = {
    FaultKind.DEADLINE_MISSED: "逾期未办结",
    FaultKind.LATE_COMPLETION: "超时办结",
    FaultKind.REPEAT_SUPPLEMENT_REQUEST: "违反一次性告知",
    FaultKind.COMPLAINT_SUBSTANTIATED: "效能投诉查实",
    FaultKind.INSPECTION_FINDING: "督查发现问题",
    FaultKind.CHARGEBACK_OUT_OF_WINDOW: "超时限退单",
}
