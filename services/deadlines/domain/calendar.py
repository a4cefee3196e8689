"""Moved to `shared.workdays.calendar` (other services count working days too); kept so that
`services.deadlines.domain.calendar` imports keep working."""

from shared.workdays.calendar import *  # noqa: F401,F403
