"""How often CPython's cyclic garbage collector runs in a service process (shared/runtime.py
applies this once the service is built).

Measured with bench/deadlines_intake.py (--gc default against the policy here): with CPython's
thresholds (700, 10, 10) the collector took 0.16-0.25 ms of the deadlines service's ~0.5 ms of
CPU per complaint.filed; every service's batches look alike. A batch (up to 500 events, one transaction) keeps what it builds alive until
its commit: clock rows, outgoing envelopes, the consumer's records and the driver's
parameters, ~100 tracked objects per event, so ~50k for a full batch. Every 700 of them start
a young collection that finds them all alive and promotes them, and every hundredth young
collection is a full one walking the whole heap: ~230k objects, ~220k of them the imported
modules, classes, compiled schemas and SQL metadata that live as long as the process.

- `gc.freeze()` once the service is built moves those long-lived objects out of the
  collector's sight (they are never garbage);
- a young threshold above a full batch's live objects lets a batch end, and its objects die by
  reference counting, before a collection looks at them.

Reference counting frees a batch entirely when nothing in it points back at its transaction
(deadlines' UnitOfWork keeps the session, not the Tx, for that reason), so the collector only
has to catch rare cycles; catching them later costs a few MB at most."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 100_000  # twice a full batch's live objects


def apply() -> None:
    """Call once the service is built (its modules imported, its app and clients made)."""
    gc.collect()  # what is garbage now should not be frozen with the rest
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
