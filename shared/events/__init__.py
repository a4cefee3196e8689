"""Every canonical event payload; importing this package registers them all."""

from shared.events import accountability, cases, complaints, deadlines, notices, office, roster  # noqa: F401
