"""Every canonical event payload; importing this package registers them all."""

from shared.events import (  # noqa: F401
    accountability,
    calendar,
    cases,
    complaints,
    deadlines,
    notices,
    office,
    roster,
)
