"""The topic catalogue: every Kafka topic the system uses, in one place.

Inbound topics carry what other systems publish in the documented external schema; intake
validates them and republishes canonical events. Keys are always the aggregate id (unit code,
matter id, complaint id, deadline id) so that the events of one case stay in order."""

from __future__ import annotations

# Doors for other systems (external schema, validated by intake).
IN_ROSTER = "xn.in.roster"
IN_REPORTS = "xn.in.reports"
IN_MATTERS = "xn.in.matters"
IN_COMPLAINTS = "xn.in.complaints"
IN_INSPECTIONS = "xn.in.inspections"
INBOUND = (IN_ROSTER, IN_REPORTS, IN_MATTERS, IN_COMPLAINTS, IN_INSPECTIONS)

# Canonical events (envelope + typed payload).
ROSTER = "xn.roster"  # units, people, appointments, campaigns
REPORTS = "xn.reports"  # campaign report submissions
MATTERS = "xn.matters"  # 办件 lifecycle
COMPLAINTS = "xn.complaints"  # 效能投诉 lifecycle
INSPECTIONS = "xn.inspections"  # 督查 findings
OFFICE = "xn.office"  # appeals and exemptions entered by the county office
DEADLINES = "xn.deadlines"  # scheduled / warned / missed / met / rescheduled / rejected
DEADLINE_REQUESTS = "xn.deadline-requests"  # clocks other services ask deadlines to keep
ACCOUNTABILITY = "xn.accountability"  # faults, measures, appeals, scores
NOTICES = "xn.notices"  # notices sent / failed

DEAD_LETTER = "xn.dead-letter"  # poison messages with the original bytes and the error

ALL = (*INBOUND, ROSTER, REPORTS, MATTERS, COMPLAINTS, INSPECTIONS, OFFICE, DEADLINES,
       DEADLINE_REQUESTS, ACCOUNTABILITY, NOTICES, DEAD_LETTER)
