"""The transaction a handler works in."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from shared.clock import Clock
from shared.envelope import Envelope
from shared.messaging import outbox


@dataclass
class Tx:
    """What a handler gets: the open transaction, the clock, and a way to emit events.

    With `buffered=True` (the pipeline's batches) emitted events are written to the outbox in
    one statement by `flush()`, which the owner of the transaction calls before committing."""

    session: AsyncSession
    schema: str
    clock: Clock
    emitted: list[Envelope] = field(default_factory=list)
    buffered: bool = False
    _pending: list[tuple[str, Envelope]] = field(default_factory=list)

    async def emit(self, topic: str, envelope: Envelope) -> None:
        if self.buffered:
            self._pending.append((topic, envelope))
        else:
            await outbox.emit(self.session, self.schema, topic, envelope)
        self.emitted.append(envelope)

    async def flush(self) -> None:
        if self._pending:
            await outbox.emit_many(self.session, self.schema, self._pending)
            self._pending.clear()
