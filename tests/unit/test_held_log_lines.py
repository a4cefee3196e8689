"""Lines logged inside a consumer's transaction are written when it ends: as they are if it
committed, marked rolled_back if not, so a redone batch does not log a decision twice."""

from __future__ import annotations

import logging

import pytest

from shared.logs import get_logger, held_until_committed
from tests.support.logs import json_lines, service_logging

log = get_logger("tests.held")


def test_a_committed_attempts_lines_come_after_it_in_order_with_their_own_time(capsys):
    with service_logging():
        with held_until_committed():
            log.info("measure decided", case="C-1")
            log.debug("not at INFO")
            log.warning("late report", case="C-2")
            assert capsys.readouterr().err == ""  # held while the transaction runs
        log.info("after")
        written = json_lines(capsys.readouterr().err)
    assert [e["event"] for e in written] == ["measure decided", "late report", "after"]
    assert not any("rolled_back" in e for e in written)
    assert written[0]["timestamp"] <= written[1]["timestamp"] <= written[2]["timestamp"]


def test_a_failed_attempts_lines_are_written_marked_rolled_back(capsys):
    with service_logging():
        with pytest.raises(RuntimeError):
            with held_until_committed():
                log.info("measure decided", case="C-1")
                raise RuntimeError("the batch holds a bad event")
        with held_until_committed():
            log.info("measure decided", case="C-1")
        written = json_lines(capsys.readouterr().err)
    assert [(e["event"], e.get("rolled_back")) for e in written] == [
        ("measure decided", True), ("measure decided", None)]


def test_lines_are_masked_and_keep_their_context_when_held(capsys):
    import structlog
    with service_logging():
        structlog.contextvars.bind_contextvars(correlation_id="c-9")
        with held_until_committed():
            log.info("complaint from 13812345678")
            structlog.contextvars.clear_contextvars()  # as the next event's handler does
        [line] = json_lines(capsys.readouterr().err)
    assert line["event"] == "complaint from 138****5678" and line["correlation_id"] == "c-9"


def test_stdlib_lines_and_lines_outside_are_not_held(capsys):
    with service_logging():
        with held_until_committed():
            logging.getLogger("aiokafka.consumer").warning("broker away")
            assert "broker away" in capsys.readouterr().err
