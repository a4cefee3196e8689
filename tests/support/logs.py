"""The services' logging set up inside a test, and put back after it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from shared.logs import configure_logging


@contextmanager
def service_logging(service: str = "test") -> Iterator[None]:
    """configure_logging as a service calls it (JSON to stderr: read it with capsys); the root
    handlers and levels and structlog's configuration are restored after."""
    root, aiokafka = logging.getLogger(), logging.getLogger("aiokafka")
    saved = root.handlers[:], root.level, aiokafka.level, structlog.get_config()
    configure_logging(service, "INFO", "json")
    try:
        yield
    finally:
        root.handlers[:], _, _, config = saved
        root.setLevel(saved[1])
        aiokafka.setLevel(saved[2])
        structlog.configure(**config)
        structlog.contextvars.clear_contextvars()


def json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a line of something else
    return out
