"""Deadlines: clocks kept by the deadlines service, and clocks others ask it to keep."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from shared.envelope import Documented, EventPayload, event


class Responsible(Documented):
    handler_id: str | None = None
    reviewer_id: str | None = None
    approver_id: str | None = None


class DeadlineFacts(Documented):
    """What every deadline event repeats, so consumers need no lookup."""

    deadline_id: str = Field(description="Deterministic: kind + subject id")
    kind: str = Field(description="campaign_report | matter | complaint_acceptance | "
                                  "complaint_conclusion | rectification | appeal_window")
    subject_type: str = Field(description="report | matter | complaint | measure")
    subject_id: str
    unit_id: str
    responsible: Responsible = Field(default_factory=Responsible)
    due_at: AwareDatetime
    allowed_working_days: int | None = None
    calendar_version: str
    provisional: bool = Field(description="Computed without the year's holiday data")


class ScheduledClock(Documented):
    """One clock a fact opened, or started again for a new round."""

    deadline: DeadlineFacts = Field(description="The clock as scheduled: id, kind, unit, due "
                                                "instant, responsible")
    starts_at: AwareDatetime = Field(description="When the clock starts counting (the dispatch, "
                                                 "acceptance, reopening or requested start)")


@event("deadline.scheduled", schema_version=2)
class DeadlineScheduled(EventPayload):
    """The clocks one fact opened for one subject: one event per subject per fact, not per clock.
    A complaint filed or redispatched opens three (acceptance, conclusion, 退单 window), and each
    event costs an outbox row, a Kafka record and a pass through every consumer of the topic.
    v2; v1 carried a single clock as `deadline` and `starts_at`."""

    clocks: list[ScheduledClock] = Field(
        min_length=1, description="Every clock the fact opened for the subject (all share the "
                                  "event's key, the subject id), in the order opened")


@event("deadline.warned")
class DeadlineWarned(EventPayload):
    """Yellow card (黄牌预警)."""

    deadline: DeadlineFacts
    warning: str = Field(description="Which warning point, e.g. '50%', '75%', '2wd'")
    remaining_working_days: int
    warned_at: AwareDatetime


@event("deadline.missed")
class DeadlineMissed(EventPayload):
    """Red card (红牌): the time is up and the obligation is not met. Fired exactly once."""

    deadline: DeadlineFacts
    missed_at: AwareDatetime


@event("deadline.met")
class DeadlineMet(EventPayload):
    deadline: DeadlineFacts
    met_at: AwareDatetime
    late: bool
    lateness_working_days: int = Field(ge=0)


@event("deadline.rescheduled")
class DeadlineRescheduled(EventPayload):
    deadline: DeadlineFacts
    previous_due_at: AwareDatetime
    reason: str = Field(description="calendar_loaded | paused | resumed | extended")
    clock_stopped: bool = Field(
        False, description="True while paused: no due instant; deadline.due_at is the last one")


@event("deadline.requested")
class DeadlineRequested(EventPayload):
    """Another service asks for a clock (rectification order, appeal window)."""

    kind: str = Field(description="rectification | appeal_window")
    subject_type: str = Field("measure")
    subject_id: str
    unit_id: str
    person_id: str | None = None
    starts_at: AwareDatetime
    working_days: int = Field(gt=0)


@event("deadline.fulfilled")
class DeadlineFulfilled(EventPayload):
    """Another service reports that the obligation behind a requested clock is met."""

    kind: str
    subject_id: str
    unit_id: str
    fulfilled_at: AwareDatetime


@event("deadline.withdrawn")
class DeadlineWithdrawn(EventPayload):
    """Another service withdraws a clock it requested: the obligation no longer exists (a 督办
    revoked or reduced on appeal). The clock ends without a card and without a fault."""

    kind: str = Field(description="rectification | appeal_window")
    subject_id: str
    unit_id: str
    withdrawn_at: AwareDatetime = Field(description="When the obligation ceased (business time "
                                                    "of the decision that removed it)")
    reason: str = Field(description="Why, for the record, e.g. 'appeal revoked the measure'")
