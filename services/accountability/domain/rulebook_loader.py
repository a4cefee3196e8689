"""Loading rule books from YAML, and a registry that keeps the previous version in force when a
new one is rejected (a typo in a new book must never leave the county without rules)."""

from datetime import date
from pathlib import Path

import yaml

from .rulebook import RuleBook
from .rulebook_validation import RuleBookError, build_rulebook

DEFAULT_RULEBOOK_PATH = Path(__file__).resolve().parent.parent / "rulebooks" / "default.yaml"


def parse_rulebook(text: str) -> RuleBook:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleBookError([f"not valid YAML: {exc}"]) from None
    return build_rulebook(raw)


def load_rulebook(path: Path | str = DEFAULT_RULEBOOK_PATH) -> RuleBook:
    return parse_rulebook(Path(path).read_text(encoding="utf-8"))


class RuleBookRegistry:
    """All accepted versions. A rejected book changes nothing; the caller gets the error."""

    def __init__(self, initial: RuleBook | None = None) -> None:
        self._books: dict[str, RuleBook] = {}
        if initial is not None:
            self._accept(initial)

    def load_text(self, text: str) -> RuleBook:
        book = parse_rulebook(text)  # raises before anything is touched
        return self._accept(book)

    def _accept(self, book: RuleBook) -> RuleBook:
        known = self._books.get(book.version)
        if known is not None and known != book:
            raise RuleBookError(
                [f"version {book.version!r} is already loaded with different content; "
                 "publish a new version instead of editing one in force"], book.version)
        self._books[book.version] = book
        return book

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(b.version for b in sorted(self._books.values(), key=_order))

    def get(self, version: str) -> RuleBook:
        return self._books[version]

    def in_force_on(self, day: date) -> RuleBook:
        """The book with the latest effective_from on or before the day (ties: later version)."""
        candidates = [b for b in self._books.values() if b.effective_from <= day]
        if not candidates:
            raise LookupError(f"no rule book is in force on {day.isoformat()}")
        return max(candidates, key=_order)


def _order(book: RuleBook) -> tuple[date, str]:
    return (book.effective_from, book.version)
