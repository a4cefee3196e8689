"""Personal data never reaches a log line unmasked."""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from shared.logs import configure_logging, get_logger
from shared.masking import mask_text


@pytest.mark.parametrize(("raw", "masked"), [
    ("call 13812345678 now", "call 138****5678 now"),
    ("+86 139-1234-5678", "139****5678"),
    ("ID 110101199003071234", "ID 110101********1234"),
    ("ID 11010119900307123X.", "ID 110101********123X."),
    ("mail zhang.san@example.gov.cn", "mail z***@example.gov.cn"),
    ("office 0571-87654321", "office 0571-****4321"),
    ("order 2026051512 has 10 items", "order 2026051512 has 10 items"),  # not a phone number
])
def test_mask_text(raw: str, masked: str) -> None:
    assert mask_text(raw) == masked


def test_log_line_with_phone_and_id_number_comes_out_masked(capsys) -> None:
    configure_logging("test", "INFO", "json")
    structlog.contextvars.bind_contextvars(correlation_id="c-1")
    get_logger("t").info("complaint from 13812345678", id_card="110101199003071234",
                         contact={"email": "li.si@example.com"})
    logging.getLogger("aiokafka.consumer").warning("stdlib says 13900001111")
    err = capsys.readouterr().err.strip().splitlines()
    ours, stdlib = json.loads(err[-2]), json.loads(err[-1])
    assert ours["event"] == "complaint from 138****5678"
    assert ours["id_card"] == "110101********1234"
    assert ours["contact"] == {"email": "l***@example.com"}
    assert ours["correlation_id"] == "c-1" and ours["service"] == "test"
    assert stdlib["event"] == "stdlib says 139****1111"
    assert "13812345678" not in "".join(err) and "110101199003071234" not in "".join(err)
    structlog.contextvars.clear_contextvars()
