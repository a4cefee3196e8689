"""Pure routing: which roles get a notice on which channels, and when an SMS may go out.

No I/O except load_routing(); everything else is a function of its arguments, so the service
can plan deliveries (and tests can check them) without Kafka, a database or a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from .messages.contexts import MeasureKind, NoticeKind

DEFAULT_ROUTING_FILE = Path(__file__).resolve().parent / "routing.yaml"


class Role(StrEnum):
    UNIT_LIAISON = "unit_liaison"  # 联络员
    HANDLER = "handler"  # 承办人
    UNIT_LEADER = "unit_leader"  # 主要负责人 (第一责任人)
    PERSON_CONCERNED = "person_concerned"  # 被追责人
    COMPLAINANT = "complainant"
    APPELLANT = "appellant"


class ChannelKind(StrEnum):
    SMS = "sms"
    EMAIL = "email"


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class RecipientRule:
    role: Role
    channels: tuple[ChannelKind, ...]
    if_available: tuple[ChannelKind, ...] = ()
    # Used only when a required channel has no contact, or when its delivery fails for good.
    fallback: tuple[ChannelKind, ...] = ()


@dataclass(frozen=True)
class KindRoute:
    urgent: bool
    recipients: tuple[RecipientRule, ...]


@dataclass(frozen=True)
class RoutingTable:
    kinds: Mapping[NoticeKind, KindRoute]
    quiet_hours: QuietHours | None

    def route(self, kind: NoticeKind) -> KindRoute:
        return self.kinds[NoticeKind(kind)]


@dataclass(frozen=True)
class Recipient:
    role: Role
    person_id: str
    phone: str | None = None
    email: str | None = None

    def contact(self, channel: ChannelKind) -> str | None:
        return self.phone if channel is ChannelKind.SMS else self.email


@dataclass(frozen=True)
class PlannedDelivery:
    recipient: Recipient
    channel: ChannelKind
    not_before: datetime
    fallback: tuple[ChannelKind, ...] = ()  # what the sender tries if this delivery fails for good


@dataclass(frozen=True)
class MissingContact:
    """A required channel without a contact: reported so nobody is silently left uninformed."""

    role: Role
    person_id: str | None
    channel: ChannelKind


@dataclass(frozen=True)
class DeliveryPlan:
    deliveries: tuple[PlannedDelivery, ...]
    missing: tuple[MissingContact, ...]


def _parse_time(text: str) -> time:
    return time.fromisoformat(text)


def parse_routing(data: Mapping[str, Any]) -> RoutingTable:
    quiet = data.get("quiet_hours")
    quiet_hours = None
    if quiet:
        quiet_hours = QuietHours(
            start=_parse_time(quiet["start"]),
            end=_parse_time(quiet["end"]),
            timezone=ZoneInfo(quiet.get("timezone", "Asia/Shanghai")),
        )
    kinds: dict[NoticeKind, KindRoute] = {}
    for name, spec in data["kinds"].items():
        rules = tuple(
            RecipientRule(
                role=Role(rule["role"]),
                channels=tuple(ChannelKind(c) for c in rule.get("channels", [])),
                if_available=tuple(ChannelKind(c) for c in rule.get("if_available", [])),
                fallback=tuple(ChannelKind(c) for c in rule.get("fallback", [])),
            )
            for rule in spec["recipients"]
        )
        kinds[NoticeKind(name)] = KindRoute(urgent=bool(spec.get("urgent", False)), recipients=rules)
    missing = set(NoticeKind) - set(kinds)
    if missing:
        raise ValueError(f"routing has no entry for: {', '.join(sorted(missing))}")
    return RoutingTable(kinds=kinds, quiet_hours=quiet_hours)


def load_routing(path: Path = DEFAULT_ROUTING_FILE) -> RoutingTable:
    return parse_routing(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def notice_kind_for_measure(measure: MeasureKind) -> NoticeKind:
    """督办 has its own recipients (liaison + leader) and wording; other measures share one kind."""
    if measure is MeasureKind.SUPERVISION:
        return NoticeKind.SUPERVISION_ORDERED
    return NoticeKind.MEASURE_DECIDED


def in_quiet_hours(moment: datetime, quiet_hours: QuietHours) -> bool:
    local = moment.astimezone(quiet_hours.timezone).time()
    start, end = quiet_hours.start, quiet_hours.end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight


def release_time(now: datetime, urgent: bool, quiet_hours: QuietHours | None) -> datetime:
    """When an SMS decided at `now` may be sent: now, or the end of the quiet period."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if urgent or quiet_hours is None or not in_quiet_hours(now, quiet_hours):
        return now
    local = now.astimezone(quiet_hours.timezone)
    release_day = local.date()
    if quiet_hours.start > quiet_hours.end and local.time() >= quiet_hours.start:
        release_day += timedelta(days=1)  # evening part of a window that ends tomorrow morning
    return datetime.combine(release_day, quiet_hours.end, tzinfo=quiet_hours.timezone)


def plan_deliveries(
    table: RoutingTable,
    kind: NoticeKind,
    recipients: Iterable[Recipient],
    now: datetime,
    urgent: bool | None = None,
) -> DeliveryPlan:
    """urgent=None takes the kind's configured flag; an event may raise it explicitly."""
    route = table.route(kind)
    is_urgent = route.urgent if urgent is None else urgent
    sms_release = release_time(now, is_urgent, table.quiet_hours)
    by_role: dict[Role, list[Recipient]] = {}
    for recipient in recipients:
        by_role.setdefault(recipient.role, []).append(recipient)
    deliveries: list[PlannedDelivery] = []
    missing: list[MissingContact] = []
    planned: set[tuple[str, ChannelKind]] = set()  # the liaison may also be the handler
    for rule in route.recipients:
        people = by_role.get(rule.role, [])
        if not people:
            missing.extend(MissingContact(rule.role, None, c) for c in rule.channels)
        for person in people:
            channels = [c for c in (*rule.channels, *rule.if_available)]
            lacking = [c for c in rule.channels if person.contact(c) is None]
            usable_fallback = [c for c in rule.fallback if person.contact(c) is not None]
            if lacking and usable_fallback:
                channels.extend(usable_fallback)  # a required channel has no contact: use it now
            else:
                missing.extend(MissingContact(rule.role, person.person_id, c) for c in lacking)
            for channel in channels:
                if person.contact(channel) is None or (person.person_id, channel) in planned:
                    continue
                planned.add((person.person_id, channel))
                when = sms_release if channel is ChannelKind.SMS else now
                backup = tuple(c for c in rule.fallback if c is not channel)
                deliveries.append(PlannedDelivery(person, channel, when, backup))
    return DeliveryPlan(tuple(deliveries), tuple(missing))
