"""The transaction a handler works in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.envelope import Envelope
from shared.messaging import outbox


@dataclass
class Tx:
    """What a handler gets: the open transaction, the clock, and a way to emit events.

    With `buffered=True` (the pipeline's batches) emitted events are written to the outbox in
    one statement by `flush()`, which the owner of the transaction calls before committing.

    Set-based work across a batch: a service's `prepare` step (Pipeline.process_batch) may read
    the batch's rows at once and keep them in `scratch`; handlers may stage writes and register
    `before_commit(fn)`, which `flush()` awaits (in registration order, before the outbox rows)
    so a batch writes its rows in a few statements instead of a few per message."""

    session: AsyncSession
    schema: str
    clock: Clock
    emitted: list[Envelope] = field(default_factory=list)
    buffered: bool = False
    scratch: dict[str, Any] = field(default_factory=dict)
    _pending: list[tuple[str, Envelope]] = field(default_factory=list)
    _hooks: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def before_commit(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._hooks.append(fn)

    async def emit(self, topic: str, envelope: Envelope) -> None:
        if self.buffered:
            self._pending.append((topic, envelope))
        else:
            await outbox.emit(self.session, self.schema, topic, envelope)
        self.emitted.append(envelope)

    async def flush(self) -> None:
        hooks, self._hooks = self._hooks, []
        for fn in hooks:
            await fn()
        if self._pending:
            await outbox.emit_many(self.session, self.schema, self._pending)
            self._pending.clear()
