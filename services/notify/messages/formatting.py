"""Jinja filters for dates as Chinese officials write them (2026年5月15日 17:30, Beijing time)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")


def _local(value: datetime) -> datetime:
    # A naive datetime would be a silent guess about its zone; refuse it.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime in a notice context; use an aware datetime")
    return value.astimezone(DISPLAY_TZ)


def cn_datetime(value: datetime) -> str:
    local = _local(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def cn_date(value: datetime | date) -> str:
    day = _local(value) if isinstance(value, datetime) else value
    return f"{day.year}年{day.month}月{day.day}日"


FILTERS = {"cn_datetime": cn_datetime, "cn_date": cn_date}


def sentence(value: str) -> str:
    """End a free-text fragment with exactly one 。 whatever the caller typed."""
    return value.strip().rstrip("。.；;，, ") + "。"


FILTERS["sentence"] = sentence


def score(value: float) -> str:
    """97 → "97", 96.5 → "96.5": scores are shown as officials write them, without a stray .0."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


FILTERS["score"] = score
