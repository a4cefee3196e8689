"""Routing table, delivery planning and quiet hours (pure functions, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.notify.messages import MeasureKind, NoticeKind
from services.notify.routing import (
    ChannelKind,
    QuietHours,
    Recipient,
    Role,
    load_routing,
    notice_kind_for_measure,
    parse_routing,
    plan_deliveries,
    release_time,
)

SH = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(22, 0), time(7, 0), SH)
TABLE = load_routing()


def roles(kind: NoticeKind) -> dict[Role, tuple[ChannelKind, ...]]:
    return {rule.role: rule.channels for rule in TABLE.route(kind).recipients}


def test_every_kind_is_routed_and_quiet_hours_come_from_yaml() -> None:
    assert set(TABLE.kinds) == set(NoticeKind)
    assert TABLE.quiet_hours == NIGHT


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (NoticeKind.DEADLINE_WARNING, {Role.UNIT_LIAISON, Role.HANDLER}),
        (NoticeKind.DEADLINE_MISSED, {Role.UNIT_LIAISON, Role.HANDLER, Role.UNIT_LEADER}),
        (NoticeKind.MEASURE_DECIDED, {Role.PERSON_CONCERNED, Role.UNIT_LEADER, Role.UNIT_LIAISON}),
        (NoticeKind.SUPERVISION_ORDERED,
         {Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.PERSON_CONCERNED}),
        (NoticeKind.MEASURE_WITHDRAWN,
         {Role.PERSON_CONCERNED, Role.UNIT_LEADER, Role.UNIT_LIAISON}),
        (NoticeKind.SUPERVISION_CLOSED, {Role.UNIT_LIAISON, Role.UNIT_LEADER}),
        (NoticeKind.COMPLAINT_ACKNOWLEDGED, {Role.COMPLAINANT}),
        (NoticeKind.COMPLAINT_RESULT, {Role.COMPLAINANT}),
        (NoticeKind.APPEAL_OUTCOME, {Role.APPELLANT, Role.UNIT_LEADER, Role.UNIT_LIAISON}),
        (NoticeKind.MONTHLY_BULLETIN, {Role.UNIT_LEADER}),
    ],
)
def test_roles_per_kind(kind: NoticeKind, expected: set[Role]) -> None:
    assert set(roles(kind)) == expected


def test_bulletin_is_email_only_and_cards_use_both_channels() -> None:
    assert roles(NoticeKind.MONTHLY_BULLETIN) == {Role.UNIT_LEADER: (ChannelKind.EMAIL,)}
    assert roles(NoticeKind.DEADLINE_MISSED)[Role.HANDLER] == (ChannelKind.SMS, ChannelKind.EMAIL)


def test_supervision_has_its_own_kind() -> None:
    assert notice_kind_for_measure(MeasureKind.SUPERVISION) is NoticeKind.SUPERVISION_ORDERED
    assert notice_kind_for_measure(MeasureKind.ADMONITION) is NoticeKind.MEASURE_DECIDED


def test_complainant_gets_sms_and_email_only_as_fallback() -> None:
    now = datetime(2026, 5, 15, 10, 0, tzinfo=SH)
    with_email = Recipient(Role.COMPLAINANT, "c1", phone="13800000000", email="c@example.com")
    without = Recipient(Role.COMPLAINANT, "c2", phone="13900000000")
    email_only = Recipient(Role.COMPLAINANT, "c3", email="c3@example.com")
    plan = plan_deliveries(TABLE, NoticeKind.COMPLAINT_RESULT, [with_email, without, email_only], now)
    assert [(d.recipient.person_id, d.channel, d.fallback) for d in plan.deliveries] == [
        ("c1", ChannelKind.SMS, (ChannelKind.EMAIL,)),  # e-mail only if the SMS fails for good
        ("c2", ChannelKind.SMS, (ChannelKind.EMAIL,)),
        ("c3", ChannelKind.EMAIL, ()),  # no phone: the fallback is used at once
    ]
    assert plan.missing == ()


def test_no_contact_at_all_is_reported_for_the_complainant() -> None:
    now = datetime(2026, 5, 15, 10, 0, tzinfo=SH)
    plan = plan_deliveries(TABLE, NoticeKind.COMPLAINT_ACKNOWLEDGED,
                           [Recipient(Role.COMPLAINANT, "c4")], now)
    assert plan.deliveries == ()
    assert [(m.person_id, m.channel) for m in plan.missing] == [("c4", ChannelKind.SMS)]


def test_missing_required_contacts_and_roles_are_reported() -> None:
    now = datetime(2026, 5, 15, 10, 0, tzinfo=SH)
    liaison = Recipient(Role.UNIT_LIAISON, "p1", phone="13800000000")  # no e-mail
    plan = plan_deliveries(TABLE, NoticeKind.DEADLINE_WARNING, [liaison], now)
    missing = {(m.role, m.person_id, m.channel) for m in plan.missing}
    assert missing == {
        (Role.UNIT_LIAISON, "p1", ChannelKind.EMAIL),
        (Role.HANDLER, None, ChannelKind.SMS),
        (Role.HANDLER, None, ChannelKind.EMAIL),
    }


def test_one_person_in_two_roles_gets_each_channel_once() -> None:
    now = datetime(2026, 5, 15, 10, 0, tzinfo=SH)
    same = dict(person_id="p1", phone="13800000000", email="p1@example.gov.cn")
    plan = plan_deliveries(
        TABLE, NoticeKind.DEADLINE_WARNING,
        [Recipient(Role.UNIT_LIAISON, **same), Recipient(Role.HANDLER, **same)], now,
    )
    assert len(plan.deliveries) == 2


def test_night_sms_waits_but_email_does_not() -> None:
    now = datetime(2026, 5, 15, 23, 10, tzinfo=SH)
    leader = Recipient(Role.UNIT_LEADER, "p9", phone="13800000000", email="l@example.gov.cn")
    plan = plan_deliveries(TABLE, NoticeKind.DEADLINE_MISSED, [leader], now)
    when = {d.channel: d.not_before for d in plan.deliveries}
    assert when[ChannelKind.EMAIL] == now
    assert when[ChannelKind.SMS] == datetime(2026, 5, 16, 7, 0, tzinfo=SH)
    urgent = plan_deliveries(TABLE, NoticeKind.DEADLINE_MISSED, [leader], now, urgent=True)
    assert {d.not_before for d in urgent.deliveries} == {now}


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ((2026, 5, 15, 21, 59), (2026, 5, 15, 21, 59)),  # just before the window
        ((2026, 5, 15, 22, 0), (2026, 5, 16, 7, 0)),  # start is inclusive
        ((2026, 5, 15, 23, 59), (2026, 5, 16, 7, 0)),  # crosses midnight
        ((2026, 5, 16, 0, 0), (2026, 5, 16, 7, 0)),  # after midnight: same morning
        ((2026, 5, 16, 6, 59), (2026, 5, 16, 7, 0)),
        ((2026, 5, 16, 7, 0), (2026, 5, 16, 7, 0)),  # end is exclusive
        ((2026, 5, 31, 23, 0), (2026, 6, 1, 7, 0)),  # crosses a month end
        ((2026, 12, 31, 22, 30), (2027, 1, 1, 7, 0)),  # and a year end
    ],
)
def test_release_time_overnight_window(local, expected) -> None:
    now = datetime(*local, tzinfo=SH)
    assert release_time(now, False, NIGHT) == datetime(*expected, tzinfo=SH)


def test_release_time_works_from_utc_input() -> None:
    now = datetime(2026, 5, 15, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert release_time(now, False, NIGHT) == datetime(2026, 5, 15, 23, 0, tzinfo=UTC)


def test_urgent_or_no_quiet_hours_release_now() -> None:
    now = datetime(2026, 5, 15, 23, 0, tzinfo=SH)
    assert release_time(now, True, NIGHT) == now
    assert release_time(now, False, None) == now


def test_same_day_window_and_empty_window() -> None:
    lunch = QuietHours(time(12, 0), time(14, 0), SH)
    assert release_time(datetime(2026, 5, 15, 12, 30, tzinfo=SH), False, lunch) == datetime(
        2026, 5, 15, 14, 0, tzinfo=SH
    )
    assert release_time(datetime(2026, 5, 15, 23, 0, tzinfo=SH), False, lunch).hour == 23
    none = QuietHours(time(0, 0), time(0, 0), SH)
    assert release_time(datetime(2026, 5, 15, 3, 0, tzinfo=SH), False, none).hour == 3


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        release_time(datetime(2026, 5, 15, 23, 0), False, NIGHT)


def test_routing_must_cover_every_kind() -> None:
    with pytest.raises(ValueError, match="no entry"):
        parse_routing({"kinds": {"deadline_warning": {"recipients": []}}})
