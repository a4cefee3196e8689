"""County-maintained year files: the State Council holiday notice for a year chinesecalendar does
not know yet, typed in by the efficiency office.

Format (see services/deadlines/calendars/2027.yaml):

    year: 2027
    source: 国务院办公厅关于2027年部分节假日安排的通知
    draft: false            # optional; true marks an unchecked template, which is never used
    holidays: [{date: 2027-01-01, name: 元旦}, ...]
    workdays: [{date: 2027-02-20, name: 春节}, ...]    # make-up working days (调休)

Parsing works on the YAML node tree rather than on loaded Python values so that every error can
name its line, and so that YAML's own date resolver cannot turn "2027-02-30" into a crash.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import CalendarFileError

_ALLOWED_KEYS = {"year", "source", "draft", "holidays", "workdays"}
_REQUIRED_KEYS = {"year", "source", "holidays", "workdays"}


@dataclass(frozen=True)
class YearCalendar:
    """One validated year: explicit holidays and make-up working days; other days follow the week."""

    year: int
    source: str
    holidays: dict[date, str] = field(hash=False)
    workdays: dict[date, str] = field(hash=False)
    draft: bool = False
    origin: str = "<memory>"

    @property
    def data_hash(self) -> str:
        """sha256 prefix of the dates and names only, so editing comments keeps the version."""
        canonical = json.dumps(
            {
                "year": self.year,
                "holidays": sorted((d.isoformat(), n) for d, n in self.holidays.items()),
                "workdays": sorted((d.isoformat(), n) for d, n in self.workdays.items()),
            },
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()[:8]

    @property
    def label(self) -> str:
        return f"{self.year}@{self.data_hash}"


def load_year_file(path: str | Path) -> YearCalendar:
    """Read and validate a year file; raises CalendarFileError naming the line at fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarFileError(f"{path}: cannot read file: {exc}") from exc
    year_calendar = parse_year_file(text, origin=str(path))
    if path.stem.isdigit() and int(path.stem) != year_calendar.year:
        raise CalendarFileError(
            f"{path}: file name says {path.stem} but the file declares year {year_calendar.year}"
        )
    return year_calendar


def parse_year_file(text: str, origin: str = "<memory>") -> YearCalendar:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise CalendarFileError(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(root, MappingNode):
        raise CalendarFileError(f"{origin}: expected a mapping with keys {sorted(_REQUIRED_KEYS)}")
    fields = _mapping(root, origin, _ALLOWED_KEYS, _REQUIRED_KEYS)

    year = _integer(fields["year"], origin, "year")
    source = _text(fields["source"], origin, "source")
    draft = _boolean(fields["draft"], origin, "draft") if "draft" in fields else False
    holidays = _day_list(fields["holidays"], origin, "holidays", year)
    workdays = _day_list(fields["workdays"], origin, "workdays", year)

    for day, (line, _) in workdays.items():
        if day in holidays:
            raise CalendarFileError(
                f"{origin} line {line}: {day} is listed as a make-up workday and also as a "
                f"holiday (line {holidays[day][0]})"
            )
        if day.weekday() < 5:
            # A make-up day (调休) is by definition a Saturday or Sunday; a weekday here is a typo.
            raise CalendarFileError(
                f"{origin} line {line}: make-up workday {day} is a weekday, already a working day"
            )
    return YearCalendar(
        year=year,
        source=source,
        holidays={d: name for d, (_, name) in holidays.items()},
        workdays={d: name for d, (_, name) in workdays.items()},
        draft=draft,
        origin=origin,
    )


def install_year_file(path: str | Path, calendars_dir: str | Path) -> YearCalendar:
    """Validate `path` and copy it to `calendars_dir/<year>.yaml` (what `calendar load` does).

    Refuses drafts, and years chinesecalendar already knows. The write is atomic (temp file +
    rename) so a running service never reads half a file. The caller then rebuilds its
    WorkCalendar and recomputes open deadlines that were provisional for this year.
    """
    from .calendar import WorkCalendar  # local import: calendar imports this module

    year_calendar = load_year_file(path)
    WorkCalendar().with_year(year_calendar)  # same checks the service applies at start-up
    target_dir = Path(calendars_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{year_calendar.year}.yaml"
    handle, tmp_name = tempfile.mkstemp(dir=target_dir, prefix=f".{year_calendar.year}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as tmp:
        tmp.write(Path(path).read_text(encoding="utf-8"))
    os.replace(tmp_name, target)
    return year_calendar


# --- node helpers -------------------------------------------------------------------------------


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: Node, origin: str, allowed: set[str], required: set[str]) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        raise CalendarFileError(f"{origin} line {_line(node)}: expected a mapping")
    fields: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if key not in allowed:
            raise CalendarFileError(
                f"{origin} line {_line(key_node)}: unknown key {key!r}; allowed: {sorted(allowed)}"
            )
        if key in fields:
            raise CalendarFileError(f"{origin} line {_line(key_node)}: key {key!r} given twice")
        fields[key] = value_node
    missing = required - fields.keys()
    if missing:
        raise CalendarFileError(f"{origin} line {_line(node)}: missing key(s) {sorted(missing)}")
    return fields


def _scalar(node: Node, origin: str, what: str) -> str:
    if not isinstance(node, ScalarNode):
        raise CalendarFileError(f"{origin} line {_line(node)}: {what} must be a single value")
    return node.value


def _integer(node: Node, origin: str, what: str) -> int:
    raw = _scalar(node, origin, what)
    if not raw.isdigit():
        raise CalendarFileError(f"{origin} line {_line(node)}: {what} must be an integer, got {raw!r}")
    return int(raw)


def _text(node: Node, origin: str, what: str) -> str:
    raw = _scalar(node, origin, what).strip()
    if not raw:
        raise CalendarFileError(f"{origin} line {_line(node)}: {what} must not be empty")
    return raw


def _boolean(node: Node, origin: str, what: str) -> bool:
    raw = _scalar(node, origin, what).lower()
    if raw not in ("true", "false"):
        raise CalendarFileError(f"{origin} line {_line(node)}: {what} must be true or false")
    return raw == "true"


def _day_list(node: Node, origin: str, what: str, year: int) -> dict[date, tuple[int, str]]:
    """Parse a list of {date, name}; returns date -> (line, name)."""
    if isinstance(node, ScalarNode) and node.value in ("", "null", "~"):
        return {}  # "workdays:" left empty: a year may have no make-up days
    if not isinstance(node, SequenceNode):
        raise CalendarFileError(f"{origin} line {_line(node)}: {what} must be a list")
    days: dict[date, tuple[int, str]] = {}
    for item in node.value:
        entry = _mapping(item, origin, {"date", "name"}, {"date", "name"})
        date_node = entry["date"]
        raw = _scalar(date_node, origin, "date")
        line = _line(date_node)
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise CalendarFileError(
                f"{origin} line {line}: {raw!r} in {what} is not a valid date (YYYY-MM-DD)"
            ) from None
        if len(raw) != 10:  # fromisoformat also takes 20270101; the file format is YYYY-MM-DD
            raise CalendarFileError(f"{origin} line {line}: {raw!r} in {what} is not YYYY-MM-DD")
        if day.year != year:
            raise CalendarFileError(
                f"{origin} line {line}: {day} in {what} is outside the declared year {year}"
            )
        if day in days:
            raise CalendarFileError(
                f"{origin} line {line}: {day} listed twice in {what} (first on line {days[day][0]})"
            )
        days[day] = (line, _text(entry["name"], origin, "name"))
    return days
