"""The in-memory roster copy answers as the SQL it replaced did: holders by effective date,
registered people only, ordered by id; a unit code when the unit is unknown."""

from __future__ import annotations

from datetime import date

from services.notify.roster import Person, Roster, Unit


def roster() -> Roster:
    r = Roster()
    r.put_unit(Unit("JYJ", "县教育局"))
    r.put_unit(Unit("OLD", "已撤销单位", active=False))
    for pid in ("L2", "L1", "L3"):
        r.put_person(Person(pid, pid, "JYJ", f"138{pid}"))
    r.put_appointment("L1", "JYJ", "liaison", date(2026, 1, 1), date(2026, 3, 31))
    r.put_appointment("L2", "JYJ", "liaison", date(2026, 4, 1), None)
    r.put_appointment("L3", "JYJ", "liaison", date(2026, 4, 1), None)
    r.put_appointment("GHOST", "JYJ", "liaison", date(2026, 1, 1), None)  # never registered
    return r


def test_holders_are_those_appointed_on_the_day_registered_and_sorted() -> None:
    r = roster()
    assert [p.person_id for p in r.holders("JYJ", "liaison", date(2026, 3, 31))] == ["L1"]
    assert [p.person_id for p in r.holders("JYJ", "liaison", date(2026, 4, 1))] == ["L2", "L3"]
    assert r.holders("JYJ", "leader", date(2026, 4, 1)) == []


def test_a_reappointment_with_the_same_start_replaces_its_end() -> None:
    r = roster()
    r.put_appointment("L2", "JYJ", "liaison", date(2026, 4, 1), date(2026, 4, 30))
    assert [p.person_id for p in r.holders("JYJ", "liaison", date(2026, 5, 1))] == ["L3"]


def test_a_re_registration_replaces_the_contacts() -> None:
    r = roster()
    r.put_person(Person("L2", "L2", "JYJ", "13900000000"))
    assert r.holders("JYJ", "liaison", date(2026, 4, 1))[0].phone == "13900000000"


def test_units() -> None:
    r = roster()
    assert [u.unit_id for u in r.active_units()] == ["JYJ"]
    assert r.unit_name("JYJ") == "县教育局" and r.unit_name("XYZ") == "XYZ"
    assert r.person(None) is None and r.person("nobody") is None
