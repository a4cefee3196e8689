"""Roster and campaign files → inbound (type, data) items, in dependency order (units before
people before appointments). Pure: parsing only; the CLI applies the items.

YAML roster:  units: [...], people: [...] (each may carry roles: [{role, unit_id, effective_from,
              effective_to}]), appointments: [...]
CSV roster:   units.csv with columns unit_id,name,kind[,level,active]; or people.csv with columns
              person_id,name,unit_id[,phone,email,role,effective_from,effective_to] (one row per
              role; a person with several roles repeats the row).
Campaign:     YAML with the fields of `campaign.configured` (see docs/events.md)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml

Item = tuple[str, dict[str, Any], str]  # (type, data, where in the file)

PERSON_FIELDS = ("person_id", "name", "unit_id", "phone", "email")
ROLE_FIELDS = ("role", "effective_from", "effective_to")


class FileError(ValueError):
    pass


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items()
            if k and v not in (None, "")}


def roster_items(path: Path) -> list[Item]:
    text = path.read_text(encoding="utf-8-sig")  # Excel writes a BOM
    if path.suffix.lower() == ".csv":
        return _roster_csv(text, path.name)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _roster_yaml(yaml.safe_load(text) or {}, path.name)
    raise FileError(f"{path.name}: expected .csv, .yaml or .yml")


def _roster_csv(text: str, name: str) -> list[Item]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        return []
    header = set(rows[0])
    if "person_id" in header:
        people: list[Item] = []
        roles: list[Item] = []
        for n, row in enumerate(rows, start=2):
            row = _clean(row)
            person = {k: row[k] for k in PERSON_FIELDS if k in row}
            if person not in [p[1] for p in people]:
                people.append(("person.registered", person, f"{name}:{n}"))
            if "role" in row:
                roles.append(("person.appointed", {
                    "person_id": row.get("person_id"), "unit_id": row.get("unit_id"),
                    **{k: row[k] for k in ROLE_FIELDS if k in row}}, f"{name}:{n}"))
        return people + roles
    if {"unit_id", "kind"} <= header:
        return [("unit.registered", _clean(r), f"{name}:{n}") for n, r in enumerate(rows, start=2)]
    raise FileError(f"{name}: header must have person_id (people) or unit_id and kind (units)")


def _roster_yaml(doc: dict, name: str) -> list[Item]:
    if not isinstance(doc, dict) or not set(doc) <= {"units", "people", "appointments"}:
        raise FileError(f"{name}: top level must be a mapping of units, people, appointments")
    items: list[Item] = [("unit.registered", u, f"{name}:units[{i}]")
                         for i, u in enumerate(doc.get("units") or [])]
    roles: list[Item] = []
    for i, p in enumerate(doc.get("people") or []):
        p = dict(p)
        for j, r in enumerate(p.pop("roles", None) or []):
            roles.append(("person.appointed", {"person_id": p.get("person_id"),
                                               "unit_id": p.get("unit_id"), **r},
                          f"{name}:people[{i}].roles[{j}]"))
        items.append(("person.registered", p, f"{name}:people[{i}]"))
    roles += [("person.appointed", a, f"{name}:appointments[{i}]")
              for i, a in enumerate(doc.get("appointments") or [])]
    return items + [(t, _dates_as_text(d), w) for t, d, w in roles]


def _dates_as_text(d: dict) -> dict:
    # YAML turns 2026-05-01 into a date already; keep one input shape for the validators.
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in d.items()}


def campaign_items(path: Path) -> list[Item]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    if not isinstance(doc, dict):
        raise FileError(f"{path.name}: expected a YAML mapping")
    docs = doc.get("campaigns", [doc])
    return [("campaign.configured", d, f"{path.name}:campaigns[{i}]") for i, d in enumerate(docs)]
