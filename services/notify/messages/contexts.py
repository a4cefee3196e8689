"""What a notice says, per kind: small pydantic models the templates render.

They are deliberately decoupled from the Kafka event classes: the notify service maps an event
(plus roster look-ups such as the recipient's name) into one of these at its boundary, so the
wording can change without touching the event contract, and the templates can be tested alone.
Datetimes must be timezone-aware; the templates show them in Asia/Shanghai.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class NoticeKind(StrEnum):
    DEADLINE_WARNING = "deadline_warning"  # 黄牌预警
    DEADLINE_MISSED = "deadline_missed"  # 红牌
    MEASURE_DECIDED = "measure_decided"  # 提醒 / 效能告诫 / 通报批评 / 诫勉谈话 / 处分移送
    SUPERVISION_ORDERED = "supervision_ordered"  # 督办, with a rectification deadline
    MEASURE_WITHDRAWN = "measure_withdrawn"  # 措施撤销: its fault exempted or recounted
    SUPERVISION_CLOSED = "supervision_closed"  # 督办销号: the rectification confirmed
    COMPLAINT_ACKNOWLEDGED = "complaint_acknowledged"
    COMPLAINT_RESULT = "complaint_result"
    APPEAL_OUTCOME = "appeal_outcome"
    MONTHLY_BULLETIN = "monthly_bulletin"  # e-mail only


class MeasureKind(StrEnum):
    REMINDER = "reminder"  # 提醒
    SUPERVISION = "supervision"  # 督办
    ADMONITION = "admonition"  # 效能告诫
    CIRCULATED_CRITICISM = "circulated_criticism"  # 通报批评
    ADMONISHING_TALK = "admonishing_talk"  # 诫勉谈话
    DISCIPLINARY_REFERRAL = "disciplinary_referral"  # 移送党纪政纪处分


MEASURE_LABELS: dict[MeasureKind, str] = {
    MeasureKind.REMINDER: "提醒",
    MeasureKind.SUPERVISION: "督办",
    MeasureKind.ADMONITION: "效能告诫",
    MeasureKind.CIRCULATED_CRITICISM: "通报批评",
    MeasureKind.ADMONISHING_TALK: "诫勉谈话",
    MeasureKind.DISCIPLINARY_REFERRAL: "移送党纪政纪处分",
}


class AppealOutcome(StrEnum):
    UPHELD = "upheld"  # 维持原决定
    REDUCED = "reduced"  # 变更（减轻）
    REVOKED = "revoked"  # 撤销


class _Context(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeadlineWarningContext(_Context):
    recipient_name: str = Field(description="收件人姓名，如 张三")
    unit_name: str = Field(description="责任单位")
    item_title: str = Field(description="事项或材料名称")
    item_ref: str = Field(description="事项编号")
    deadline: AwareDatetime = Field(description="办结期限")
    remaining_working_days: int = Field(ge=0, description="剩余工作日")


class DeadlineMissedContext(_Context):
    recipient_name: str
    unit_name: str
    item_title: str
    item_ref: str
    deadline: AwareDatetime
    # Unknown when the red card fires at the due instant (deadline.missed carries no count).
    overdue_working_days: int | None = Field(default=None, ge=1, description="已超期工作日")


class MeasureDecidedContext(_Context):
    """Also the context of SUPERVISION_ORDERED (督办), which needs a rectification deadline."""

    recipient_name: str
    unit_name: str
    person_name: str = Field(description="被追责人（或单位）")
    measure: MeasureKind
    reason: str = Field(description="事由，一句话")
    decision_ref: str = Field(description="决定文号")
    decided_at: AwareDatetime
    rule_id: str
    rule_version: str
    rectification_deadline: AwareDatetime | None = None
    # measure.decided carries the 督办 allowance in working days; the date is the deadlines
    # service's to compute, so a notice sent at decision time states the allowance instead.
    rectification_working_days: int | None = Field(default=None, ge=1, description="整改时限（工作日）")
    score_deduction: int | None = Field(default=None, ge=0, description="扣减效能考评分")
    appeal_deadline: AwareDatetime | None = Field(default=None, description="申诉截止时间")
    # A revision of a measure already notified (a late-recorded earlier fault changed the count,
    # an exemption, a re-order): the notice says it replaces the earlier one.
    revised: bool = Field(default=False, description="变更后的决定")
    previous_measure: MeasureKind | None = Field(default=None, description="变更前的措施")
    # A 督办 revised as a 督办: its order and clock go on from the first notice.
    rectification_continues: bool = Field(default=False, description="整改时限按原督办决定")

    @model_validator(mode="after")
    def _supervision_needs_deadline(self) -> MeasureDecidedContext:
        if (self.measure is MeasureKind.SUPERVISION and self.rectification_deadline is None
                and self.rectification_working_days is None):
            raise ValueError("督办 needs a rectification_deadline or rectification_working_days")
        return self

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS[self.measure]

    @property
    def previous_measure_label(self) -> str:
        return MEASURE_LABELS[self.previous_measure] if self.previous_measure else ""

    @property
    def measure_changed(self) -> bool:
        """A revision to another rung (else the same measure, its 情节 or points corrected)."""
        return self.previous_measure is not None and self.previous_measure is not self.measure


class MeasureWithdrawnContext(_Context):
    """A measure that no longer applies: the fault it rested on was exempted, or the count of
    repeat faults it followed from changed (measure.decided with superseded=true)."""

    recipient_name: str
    unit_name: str
    person_name: str = Field(description="被追责人（或单位）")
    measure: MeasureKind = Field(description="撤销的措施")
    decision_ref: str = Field(description="原决定文号")
    withdrawn_at: AwareDatetime
    # No figure restored: a fault costs its unit only its heaviest measure and a frozen one's
    # deduction was provisional, so what comes back is the recount's to say (score.changed).

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS[self.measure]


class SupervisionClosedContext(_Context):
    """督办销号: the office confirmed the rectification a 督办 ordered (deadline.met of the
    measure's rectification clock)."""

    recipient_name: str
    unit_name: str
    decision_ref: str = Field(description="督办决定文号")
    closed_at: AwareDatetime = Field(description="整改完成时间（办公室确认）")
    late_working_days: int | None = Field(default=None, ge=1, description="超出整改时限的工作日")


class ComplaintAcknowledgedContext(_Context):
    complainant_name: str = Field(description="称呼，如 王女士")
    complaint_ref: str
    received_at: AwareDatetime
    handling_unit_name: str
    reply_due: AwareDatetime | None = Field(
        default=None, description="办结答复期限; unknown at filing time (the deadlines service keeps it)")
    enquiry_phone: str = Field(description="查询电话（办公电话，可公开）")


class ComplaintResultContext(_Context):
    complainant_name: str
    complaint_ref: str
    handling_unit_name: str
    substantiated: bool = Field(description="投诉是否属实")
    result_summary: str = Field(description="调查处理结果，一两句话")
    concluded_at: AwareDatetime
    rating_url: str = Field(description="满意度评价链接")
    rating_deadline: AwareDatetime | None = None


class AppealOutcomeContext(_Context):
    appellant_name: str
    # Set for a notice to someone else than the appellant (the unit leader, told of the measure).
    recipient_name: str | None = Field(default=None, description="收件人（申诉人以外）")
    unit_name: str
    appeal_ref: str
    original_decision_ref: str
    original_measure: MeasureKind
    outcome: AppealOutcome
    new_measure: MeasureKind | None = Field(default=None, description="变更后的措施")
    reasons: str | None = Field(default=None, description="复核理由; appeal.ruled carries none")
    decided_at: AwareDatetime
    score_restored: int | None = Field(default=None, ge=0, description="恢复的考评分")

    @model_validator(mode="after")
    def _reduced_needs_new_measure(self) -> AppealOutcomeContext:
        if (self.outcome is AppealOutcome.REDUCED) != (self.new_measure is not None):
            raise ValueError("new_measure is required for, and only for, a reduced outcome")
        return self

    @property
    def original_measure_label(self) -> str:
        return MEASURE_LABELS[self.original_measure]

    @property
    def new_measure_label(self) -> str:
        return MEASURE_LABELS[self.new_measure] if self.new_measure else ""


class BulletinRow(_Context):
    rank: int = Field(ge=1)
    unit_name: str
    score: float
    measure_count: int = Field(ge=0)


class MonthlyBulletinContext(_Context):
    recipient_name: str = Field(description="单位主要负责人姓名")
    unit_name: str = Field(description="收件单位")
    year: int
    month: int = Field(ge=1, le=12)
    published_at: AwareDatetime
    bulletin_ref: str | None = Field(default=None, description="通报文号")
    rows: list[BulletinRow] = Field(default_factory=list)
    text: str | None = Field(default=None, description="通报正文 as published (bulletin.published)")
    highlights: list[str] = Field(default_factory=list, description="本月通报事项")
    bulletin_url: str | None = None

    @model_validator(mode="after")
    def _needs_content(self) -> MonthlyBulletinContext:
        if not self.rows and not self.text:
            raise ValueError("a bulletin needs rows or text")
        return self

    @property
    def own_row(self) -> BulletinRow | None:
        return next((r for r in self.rows if r.unit_name == self.unit_name), None)


CONTEXT_MODELS: dict[NoticeKind, type[_Context]] = {
    NoticeKind.DEADLINE_WARNING: DeadlineWarningContext,
    NoticeKind.DEADLINE_MISSED: DeadlineMissedContext,
    NoticeKind.MEASURE_DECIDED: MeasureDecidedContext,
    NoticeKind.SUPERVISION_ORDERED: MeasureDecidedContext,
    NoticeKind.MEASURE_WITHDRAWN: MeasureWithdrawnContext,
    NoticeKind.SUPERVISION_CLOSED: SupervisionClosedContext,
    NoticeKind.COMPLAINT_ACKNOWLEDGED: ComplaintAcknowledgedContext,
    NoticeKind.COMPLAINT_RESULT: ComplaintResultContext,
    NoticeKind.APPEAL_OUTCOME: AppealOutcomeContext,
    NoticeKind.MONTHLY_BULLETIN: MonthlyBulletinContext,
}

__all__ = [
    "CONTEXT_MODELS",
    "MEASURE_LABELS",
    "AppealOutcome",
    "AppealOutcomeContext",
    "BulletinRow",
    "ComplaintAcknowledgedContext",
    "ComplaintResultContext",
    "DeadlineMissedContext",
    "DeadlineWarningContext",
    "MeasureDecidedContext",
    "MeasureKind",
    "MeasureWithdrawnContext",
    "MonthlyBulletinContext",
    "NoticeKind",
    "SupervisionClosedContext",
]
