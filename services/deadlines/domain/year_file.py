"""Moved to `shared.workdays.year_file` (other services count working days too); kept so that
`services.deadlines.domain.year_file` imports keep working."""

from shared.workdays.year_file import *  # noqa: F401,F403
