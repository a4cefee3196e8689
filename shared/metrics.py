"""Prometheus metrics shared by every service (labelled by service)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_IN = Counter("xn_events_in_total", "Events consumed", ["service", "topic", "outcome"])
# Records per consumer batch, passed-over ones included: a service that keeps up gets small
# batches and pays its per-batch costs (transaction, offset commit) over few events.
BATCH_RECORDS = Histogram("xn_batch_records", "Records per consumer batch", ["service"],
                          buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500))
HANDLER_SECONDS = Histogram("xn_handler_seconds", "Handler latency", ["service", "topic"])
RETRIES = Counter("xn_handler_retries_total", "Handler retries", ["service", "topic"])
DEAD_LETTERS = Counter("xn_dead_letters_total", "Messages dead-lettered", ["service", "topic"])
OUTBOX_PUBLISHED = Counter("xn_outbox_published_total", "Outbox rows published", ["service"])
OUTBOX_BACKLOG = Gauge("xn_outbox_backlog", "Unpublished outbox rows", ["service"])
