"""Fixed contexts for golden files: one per notice kind and variant."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.notify.messages import (
    AppealOutcome,
    AppealOutcomeContext,
    BulletinRow,
    ComplaintAcknowledgedContext,
    ComplaintResultContext,
    DeadlineMissedContext,
    DeadlineWarningContext,
    MeasureDecidedContext,
    MeasureKind,
    MeasureWithdrawnContext,
    MonthlyBulletinContext,
    NoticeKind,
    SupervisionClosedContext,
)

SH = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 17, minute: int = 30) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def _measure(measure: MeasureKind, **extra) -> MeasureDecidedContext:
    values = dict(
        recipient_name="李明",
        unit_name="县市场监督管理局",
        person_name="王强",
        measure=measure,
        reason="办理个体工商户变更登记时两次要求申请人补正材料，违反一次性告知制度",
        decision_ref="县效能〔2026〕12号",
        decided_at=at(6, 3, 10, 0),
        rule_id="R-ONCE-NOTICE-02",
        rule_version="2026.1",
        score_deduction=3,
        appeal_deadline=at(6, 10),
    )
    values.update(extra)
    return MeasureDecidedContext(**values)


def _appeal(outcome: AppealOutcome, **extra) -> AppealOutcomeContext:
    values = dict(
        appellant_name="王强",
        unit_name="县市场监督管理局",
        appeal_ref="SS-2026-0007",
        original_decision_ref="县效能〔2026〕12号",
        original_measure=MeasureKind.CIRCULATED_CRITICISM,
        outcome=outcome,
        reasons="经复核，申请人第二次补正系因申请人自行变更经营范围所致，情节较轻",
        decided_at=at(6, 20, 9, 0),
    )
    values.update(extra)
    return AppealOutcomeContext(**values)


SAMPLES: dict[str, tuple[NoticeKind, object]] = {
    "deadline_warning": (
        NoticeKind.DEADLINE_WARNING,
        DeadlineWarningContext(
            recipient_name="张华",
            unit_name="县住房和城乡建设局",
            item_title="建筑工程施工许可证核发",
            item_ref="XK-2026-00321",
            deadline=at(5, 15),
            remaining_working_days=2,
        ),
    ),
    "deadline_missed": (
        NoticeKind.DEADLINE_MISSED,
        DeadlineMissedContext(
            recipient_name="张华",
            unit_name="县住房和城乡建设局",
            item_title="建筑工程施工许可证核发",
            item_ref="XK-2026-00321",
            deadline=at(5, 15),
            overdue_working_days=3,
        ),
    ),
    "measure_reminder": (
        NoticeKind.MEASURE_DECIDED,
        _measure(MeasureKind.REMINDER, score_deduction=None, appeal_deadline=None),
    ),
    "measure_admonition": (NoticeKind.MEASURE_DECIDED, _measure(MeasureKind.ADMONITION)),
    "measure_circulated_criticism": (
        NoticeKind.MEASURE_DECIDED,
        _measure(MeasureKind.CIRCULATED_CRITICISM, score_deduction=20),
    ),
    "measure_admonishing_talk": (
        NoticeKind.MEASURE_DECIDED,
        _measure(MeasureKind.ADMONISHING_TALK, score_deduction=30),
    ),
    "measure_disciplinary_referral": (
        NoticeKind.MEASURE_DECIDED,
        _measure(MeasureKind.DISCIPLINARY_REFERRAL, score_deduction=50),
    ),
    "supervision_ordered": (
        NoticeKind.SUPERVISION_ORDERED,
        _measure(
            MeasureKind.SUPERVISION,
            person_name="县市场监督管理局",
            score_deduction=None,
            rectification_deadline=at(6, 17),
        ),
    ),
    "complaint_acknowledged": (
        NoticeKind.COMPLAINT_ACKNOWLEDGED,
        ComplaintAcknowledgedContext(
            complainant_name="陈女士",
            complaint_ref="TS-2026-0158",
            received_at=at(5, 12, 9, 5),
            handling_unit_name="县自然资源局",
            reply_due=at(6, 11),
            enquiry_phone="0571-12345678",
        ),
    ),
    "complaint_result_substantiated": (
        NoticeKind.COMPLAINT_RESULT,
        ComplaintResultContext(
            complainant_name="陈女士",
            complaint_ref="TS-2026-0158",
            handling_unit_name="县自然资源局",
            substantiated=True,
            result_summary="已责成窗口工作人员当面致歉，并对相关责任人给予效能告诫",
            concluded_at=at(6, 5, 16, 0),
            rating_url="https://xn.example.gov.cn/r/TS20260158",
            rating_deadline=at(6, 12),
        ),
    ),
    "complaint_result_unsubstantiated": (
        NoticeKind.COMPLAINT_RESULT,
        ComplaintResultContext(
            complainant_name="陈女士",
            complaint_ref="TS-2026-0158",
            handling_unit_name="县自然资源局",
            substantiated=False,
            result_summary="该事项因需专家评审依法暂停计时，办理未超过承诺时限。",
            concluded_at=at(6, 5, 16, 0),
            rating_url="https://xn.example.gov.cn/r/TS20260158",
            rating_deadline=at(6, 12),
        ),
    ),
    "appeal_upheld": (
        NoticeKind.APPEAL_OUTCOME,
        _appeal(AppealOutcome.UPHELD, reasons="原决定认定事实清楚，适用规则正确，措施适当"),
    ),
    "appeal_reduced": (
        NoticeKind.APPEAL_OUTCOME,
        _appeal(AppealOutcome.REDUCED, new_measure=MeasureKind.ADMONITION, score_restored=17),
    ),
    "appeal_revoked": (
        NoticeKind.APPEAL_OUTCOME,
        _appeal(AppealOutcome.REVOKED, score_restored=20),
    ),
    "monthly_bulletin": (
        NoticeKind.MONTHLY_BULLETIN,
        MonthlyBulletinContext(
            recipient_name="赵刚",
            unit_name="县自然资源局",
            year=2026,
            month=5,
            published_at=at(6, 2, 9, 0),
            bulletin_ref="县效能通〔2026〕5号",
            rows=[
                BulletinRow(rank=1, unit_name="县行政审批局", score=100, measure_count=0),
                BulletinRow(rank=2, unit_name="县自然资源局", score=97, measure_count=1),
                BulletinRow(rank=3, unit_name="县市场监督管理局", score=77, measure_count=2),
            ],
            highlights=[
                "县市场监督管理局王强违反一次性告知制度，给予通报批评",
                "县住房和城乡建设局1件施工许可事项超期，予以红牌警示",
            ],
            bulletin_url="https://xn.example.gov.cn/bulletins/2026-05",
        ),
    ),
}

# What the events themselves can supply (no overdue count at the due instant, a 督办 allowance in
# working days, no reply date at filing, no appeal reasons, the bulletin as published text).
_missed = SAMPLES["deadline_missed"][1]
_supervision = SAMPLES["supervision_ordered"][1]
_ack = SAMPLES["complaint_acknowledged"][1]
_result = SAMPLES["complaint_result_substantiated"][1]
SAMPLES.update({
    "deadline_missed_at_due": (
        NoticeKind.DEADLINE_MISSED, _missed.model_copy(update={"overdue_working_days": None})),
    "supervision_ordered_working_days": (
        NoticeKind.SUPERVISION_ORDERED,
        _supervision.model_copy(update={"rectification_deadline": None,
                                        "rectification_working_days": 10})),
    "complaint_acknowledged_no_reply_date": (
        NoticeKind.COMPLAINT_ACKNOWLEDGED, _ack.model_copy(update={"reply_due": None})),
    "complaint_result_no_rating_deadline": (
        NoticeKind.COMPLAINT_RESULT, _result.model_copy(update={"rating_deadline": None})),
    "appeal_revoked_without_reasons": (
        NoticeKind.APPEAL_OUTCOME,
        _appeal(AppealOutcome.REVOKED, reasons=None)),
    "monthly_bulletin_text": (
        NoticeKind.MONTHLY_BULLETIN,
        MonthlyBulletinContext(
            recipient_name="赵刚", unit_name="县自然资源局", year=2026, month=5,
            published_at=at(6, 2, 9, 0),
            text="五月份全县效能建设总体平稳。\n县市场监督管理局1人受到通报批评。"),
    ),
})

# Revisions as notify sends them: a measure changed after it was announced (a late-recorded
# earlier fault changed the repeat count), and one withdrawn (its fault exempted).
SAMPLES.update({
    "measure_admonition_revised": (
        NoticeKind.MEASURE_DECIDED,
        _measure(MeasureKind.ADMONITION, revised=True, previous_measure=MeasureKind.REMINDER,
                 score_deduction=None, appeal_deadline=None)),
    "supervision_ordered_revised": (
        NoticeKind.SUPERVISION_ORDERED,
        _supervision.model_copy(update={
            "rectification_deadline": None, "rectification_working_days": 10, "revised": True,
            "previous_measure": MeasureKind.ADMONITION})),
    "measure_admonition_corrected": (
        NoticeKind.MEASURE_DECIDED,
        _measure(MeasureKind.ADMONITION, revised=True, previous_measure=MeasureKind.ADMONITION,
                 score_deduction=None, appeal_deadline=None)),
    "measure_withdrawn": (
        NoticeKind.MEASURE_WITHDRAWN,
        MeasureWithdrawnContext(
            recipient_name="李明", unit_name="县市场监督管理局", person_name="王强",
            measure=MeasureKind.ADMONITION, decision_ref="县效能〔2026〕12号",
            withdrawn_at=at(6, 8, 15, 0))),
    "measure_withdrawn_supervision": (
        NoticeKind.MEASURE_WITHDRAWN,
        MeasureWithdrawnContext(
            recipient_name="李明", unit_name="县市场监督管理局", person_name="县市场监督管理局",
            measure=MeasureKind.SUPERVISION, decision_ref="县效能〔2026〕13号",
            withdrawn_at=at(6, 8, 15, 0))),
})

# The same ruling as the unit leader receives it (told of the measure, so of its outcome).
SAMPLES["appeal_reduced_to_the_leader"] = (
    NoticeKind.APPEAL_OUTCOME,
    _appeal(AppealOutcome.REDUCED, new_measure=MeasureKind.ADMONITION, recipient_name="赵刚"))

# A 督办 revised as a 督办 (its 从重 corrected): the order and its clock go on.
SAMPLES["supervision_ordered_continues"] = (
    NoticeKind.SUPERVISION_ORDERED,
    _supervision.model_copy(update={
        "rectification_deadline": None, "rectification_working_days": 10, "revised": True,
        "previous_measure": MeasureKind.SUPERVISION, "rectification_continues": True}))

# 督办销号: the rectification confirmed in time, and late (after the red card).
SAMPLES["supervision_closed"] = (
    NoticeKind.SUPERVISION_CLOSED,
    SupervisionClosedContext(recipient_name="李明", unit_name="县市场监督管理局",
                             decision_ref="县效能〔2026〕13号", closed_at=at(6, 12, 16, 0)))
SAMPLES["supervision_closed_late"] = (
    NoticeKind.SUPERVISION_CLOSED,
    SupervisionClosedContext(recipient_name="李明", unit_name="县市场监督管理局",
                             decision_ref="县效能〔2026〕13号", closed_at=at(6, 22, 16, 0),
                             late_working_days=2))
