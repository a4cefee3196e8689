"""The topic catalogue: every Kafka topic the system uses, in one place.

Inbound topics carry what other systems publish in the documented external schema; intake
validates them and republishes canonical events. Keys are always the aggregate id (unit code,
matter id, complaint id, deadline id) so that the events of one case stay in order."""

from __future__ import annotations

import os

# A namespace for a whole deployment (several counties on one cluster) and for end-to-end tests,
# which run the services as processes against a broker that keeps earlier runs' records.
# Read once at import: every process of one deployment must agree on it.
PREFIX = os.environ.get("XN_TOPIC_PREFIX", "")

# Doors for other systems (external schema, validated by intake).
IN_ROSTER = PREFIX + "xn.in.roster"
IN_REPORTS = PREFIX + "xn.in.reports"
IN_MATTERS = PREFIX + "xn.in.matters"
IN_COMPLAINTS = PREFIX + "xn.in.complaints"
IN_INSPECTIONS = PREFIX + "xn.in.inspections"
INBOUND = (IN_ROSTER, IN_REPORTS, IN_MATTERS, IN_COMPLAINTS, IN_INSPECTIONS)

# Canonical events (envelope + typed payload).
ROSTER = PREFIX + "xn.roster"  # units, people, appointments, campaigns
REPORTS = PREFIX + "xn.reports"  # campaign report submissions
MATTERS = PREFIX + "xn.matters"  # 办件 lifecycle
COMPLAINTS = PREFIX + "xn.complaints"  # 效能投诉 lifecycle
INSPECTIONS = PREFIX + "xn.inspections"  # 督查 findings
OFFICE = PREFIX + "xn.office"  # appeals and exemptions entered by the county office
CALENDAR = PREFIX + "xn.calendar"  # working-day calendar years loaded by the office
DEADLINES = PREFIX + "xn.deadlines"  # scheduled / warned / missed / met / rescheduled / rejected
DEADLINE_REQUESTS = PREFIX + "xn.deadline-requests"  # clocks other services ask deadlines to keep
ACCOUNTABILITY = PREFIX + "xn.accountability"  # faults, measures, appeals, scores
NOTICES = PREFIX + "xn.notices"  # notices sent / failed

DEAD_LETTER = PREFIX + "xn.dead-letter"  # poison messages with the original bytes and the error

ALL = (*INBOUND, ROSTER, REPORTS, MATTERS, COMPLAINTS, INSPECTIONS, OFFICE, CALENDAR,
       DEADLINES,
       DEADLINE_REQUESTS, ACCOUNTABILITY, NOTICES, DEAD_LETTER)


def group(service: str) -> str:
    """Consumer group id of a service, inside the deployment's namespace."""
    return PREFIX + service
