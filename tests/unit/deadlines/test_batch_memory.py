"""A batch's clock rows and events are freed by reference counting when its transaction ends,
which is what lets every service process (shared/runtime.py) run the cyclic collector rarely: see
shared/gc_policy.py."""

from __future__ import annotations

import gc
import weakref
from datetime import datetime, timezone

from shared import gc_policy
from services.deadlines.unit_of_work import unit_of_work
from shared.clock import ManualClock
from shared.messaging.tx import Tx


def test_a_batch_unit_of_work_is_freed_without_the_cyclic_collector():
    was_enabled = gc.isenabled()
    gc.disable()  # only reference counting may free it
    try:
        tx = Tx(session=object(), schema="s", clock=ManualClock(datetime.now(timezone.utc)),
                buffered=True)
        uow = unit_of_work(tx)
        assert unit_of_work(tx) is uow  # one per transaction, kept in the Tx
        gone = weakref.ref(uow)
        del uow, tx
        assert gone() is None
    finally:
        if was_enabled:
            gc.enable()


def test_gc_policy_freezes_what_is_built_and_raises_the_young_threshold():
    before = gc.get_threshold()
    try:
        gc_policy.apply()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (gc_policy.YOUNG_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
