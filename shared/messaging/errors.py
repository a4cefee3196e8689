"""How a handler says what went wrong, which decides what the pipeline does with the message."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import exc as sa_exc


class PoisonMessage(Exception):
    """The message can never be processed as it is (not JSON, wrong schema, unknown unit…).
    It goes to the dead-letter topic at once, with `reason`, and processing moves on."""

    def __init__(self, reason: str, *, code: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Rejected(PoisonMessage):
    """A well-formed event that the business rules refuse (resume without pause, extension
    beyond quota…). Dead-lettered with the reason; no state changes."""

    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason, code=code)


def explain(exc: Exception) -> str:
    """A precise, field-naming reason for an envelope or payload that does not validate."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                         for e in exc.errors(include_url=False))
    return str(exc)


def is_infrastructure_error(exc: BaseException) -> bool:
    if isinstance(exc, (ConnectionError, OSError, TimeoutError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            return True
        # SQLAlchemy's asyncpg adapter wraps every server error in one class named 'Error'
        # but keeps the SQLSTATE: 08 connection exception, 57 operator intervention (the
        # server shutting down or restarting: "the database system is shutting down").
        sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
        if sqlstate[:2] in ("08", "57"):
            return True
        name = type(exc.orig).__name__ if exc.orig is not None else ""
        # asyncpg's names for a server going away, a deadlock or a serialization conflict.
        return any(s in name for s in ("Connection", "CannotConnectNow", "AdminShutdown",
                                       "Deadlock", "Serialization", "TooManyConnections"))
    return isinstance(exc, sa_exc.TimeoutError)
