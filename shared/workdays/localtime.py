"""Local-day arithmetic in Asia/Shanghai: every deadline is due at the end of a local day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Millisecond precision rather than 23:59:59.999999: event payloads and JavaScript clients carry
# milliseconds, and a due instant must survive a JSON round trip unchanged.
END_OF_DAY = time(23, 59, 59, 999_000)


def require_aware(instant: datetime, what: str = "instant") -> datetime:
    """Reject naive datetimes: a naive time on a server in UTC would shift deadlines by 8 hours."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {instant.isoformat()}")
    return instant


def local_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar date on which `instant` falls."""
    return require_aware(instant).astimezone(LOCAL_TZ).date()


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)


def end_of_day(day: date) -> datetime:
    """23:59:59.999 Asia/Shanghai on `day` — the instant a deadline falling on `day` expires."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LOCAL_TZ)


def days_after(day: date, count: int) -> date:
    return day + timedelta(days=count)
