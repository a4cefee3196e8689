"""structlog configured once per process: JSON off a terminal, console on one; stdlib logging
(faststream, aiokafka, uvicorn, alembic) rendered through the same processors; personal data
masked before any renderer sees it."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import structlog

from shared.masking import mask_processor


def configure_logging(service: str, level: str = "INFO", fmt: str = "auto") -> None:
    json_output = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=False),
        _add_service(service),
        structlog.processors.format_exc_info,
        mask_processor,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_output
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        # The level check first: a debug line in a hot path costs nothing at INFO (the chain,
        # masking included, would otherwise run and the stdlib logger drop the result).
        processors=[structlog.stdlib.filter_by_level, *shared, _hold,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka is chatty at INFO about every (re)join; warnings are what operators need.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def _add_service(service: str):
    def processor(_l: Any, _n: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        event_dict.setdefault("service", service)
        return event_dict

    return processor


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)


# Lines logged inside a consumer's transaction, held until it ends (see held_until_committed).
_HELD: ContextVar[list[tuple[Any, str, dict[str, Any]]] | None] = ContextVar(
    "xn_held_log_lines", default=None)


def _hold(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Last before rendering: the line is complete (context, time, masking) when it is held."""
    held = _HELD.get()
    if held is None:
        return event_dict
    held.append((logger, method_name, event_dict))
    raise structlog.DropEvent


@contextmanager
def held_until_committed() -> Iterator[None]:
    """Lines logged (through structlog) inside wait until the block ends, then are written in
    their order with their own time; marked `rolled_back: true` if the block raised. The block
    is one transaction, committed as it ends.

    A batch that fails is redone one message at a time, and a transaction that meets an outage is
    retried: without this, a handler's "measure decided" line would be in the log once per
    attempt, as if decided twice. With it, an operator following a case sees which lines took
    effect, and still sees what a failed attempt did. Nothing is dropped."""
    lines: list[tuple[Any, str, dict[str, Any]]] = []
    token = _HELD.set(lines)
    committed = False
    try:
        yield
        committed = True
    finally:
        _HELD.reset(token)
        for logger, method_name, event_dict in lines:
            if not committed:
                event_dict["rolled_back"] = True
            args, kwargs = structlog.stdlib.ProcessorFormatter.wrap_for_formatter(
                logger, method_name, event_dict)
            getattr(logger, method_name)(*args, **kwargs)
