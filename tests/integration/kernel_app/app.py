"""A minimal service built on the kernel: stores a note, emits a NoteStored event."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from sqlalchemy import text

from shared.envelope import Envelope, EventPayload, event
from shared.logs import get_logger
from shared.messaging.errors import Rejected
from shared.messaging.pipeline import Tx

MIGRATIONS = Path(__file__).parent / "migrations"


@event("test.note_posted")
class NotePosted(EventPayload):
    note_id: str = Field(description="id")
    text: str = Field(description="text")


@event("test.note_stored")
class NoteStored(EventPayload):
    note_id: str = Field(description="id")
    length: int = Field(description="chars")


def make_handler(out_topic: str, forbidden: set[str]):
    async def store_note(tx: Tx, env: Envelope) -> None:
        note = env.parsed()
        assert isinstance(note, NotePosted)
        if note.text in forbidden:
            raise Rejected(f"notes may not say {note.text!r}")
        await tx.session.execute(
            text(f'INSERT INTO "{tx.schema}".notes (note_id, text) VALUES (:i, :t)'),
            {"i": note.note_id, "t": note.text})
        # A logger per call: it takes the logging set up when it is used (a test's, if any).
        get_logger(__name__).info("note stored", note_id=note.note_id)
        await tx.emit(out_topic, Envelope.wrap(
            NoteStored(note_id=note.note_id, length=len(note.text)), key=note.note_id,
            occurred_at=tx.clock.now(), producer="kernel-test", cause=env))

    return store_note
