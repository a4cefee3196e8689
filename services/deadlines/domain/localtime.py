"""Moved to `shared.workdays.localtime` (other services count working days too); kept so that
`services.deadlines.domain.localtime` imports keep working."""

from shared.workdays.localtime import *  # noqa: F401,F403
