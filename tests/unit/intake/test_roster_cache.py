"""The roster cache remembers what exists for a while, never what is absent."""

from __future__ import annotations

from services.intake.roster_cache import RosterCache


class Ticks:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_hit_until_expiry_then_miss() -> None:
    now = Ticks()
    cache = RosterCache(ttl_s=30, now=now)
    cache.put("unit", "JYJ", {"unit_id": "JYJ"})
    now.t = 29.9
    assert cache.get("unit", "JYJ") == {"unit_id": "JYJ"}
    now.t = 30.0
    assert cache.get("unit", "JYJ") is None


def test_forget_and_kinds_are_separate() -> None:
    cache = RosterCache()
    cache.put("unit", "X", {"unit_id": "X"})
    assert cache.get("person", "X") is None
    cache.forget("unit", "X")
    assert cache.get("unit", "X") is None


def test_bounded() -> None:
    cache = RosterCache(max_entries=2)
    for i in range(5):
        cache.put("person", str(i), {"person_id": str(i)})
    assert cache.get("person", "4") is not None
    assert sum(cache.get("person", str(i)) is not None for i in range(5)) <= 2
