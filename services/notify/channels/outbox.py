"""Local outbox "provider" (the default on a single machine and in development): each SMS becomes
var/outbox/sms/<date>/<notice-id>.txt and each e-mail var/outbox/email/<date>/<notice-id>.eml,
<date> being the local day the notice was created (so a retry on a later day finds its file).

Files appear atomically (written and fsync'd as a temp file, then hard-linked into place, which
fails if the name exists, then the folder fsync'd so the name survives a crash: a notice is
recorded as sent only once its file is durable) and once per notice id.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from email.policy import default as default_policy
from pathlib import Path
from zoneinfo import ZoneInfo

from .base import DeliveryResult, OutgoingEmail, OutgoingSms
from .email_smtp import SmtpSettings, build_mime_message

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_once(folder: Path, notice_id: str, suffix: str, data: bytes, day: datetime,
                search: bool, made: set[Path]) -> Path:
    """`search`: the day may not be the notice's own (a message without its creation time),
    so look for the file in every day folder first."""
    if search and (existing := next(folder.glob(f"*/{notice_id}{suffix}"), None)) is not None:
        return existing
    day_folder = folder / day.astimezone(LOCAL_TZ).date().isoformat()
    if day_folder not in made:
        day_folder.mkdir(parents=True, exist_ok=True)
        _fsync_dir(folder)
        made.add(day_folder)
    target = day_folder / f"{notice_id}{suffix}"
    fd, temp_name = tempfile.mkstemp(dir=day_folder, prefix=".tmp-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp_name, target)  # atomic and never overwrites: a concurrent twin loses
        except FileExistsError:
            pass  # written before (a retry after a crash) or by a twin: the first one stands
    finally:
        os.unlink(temp_name)
    _fsync_dir(day_folder)
    return target


class _OutboxChannel:
    def __init__(self, root: Path, clock: Callable[[], datetime] = _utc_now) -> None:
        self.root = Path(root)
        self._clock = clock
        self._made: set[Path] = set()  # day folders known to exist (one mkdir per day)

    async def _store(self, kind: str, notice_id: str, suffix: str, data: bytes,
                     created_at: datetime | None) -> DeliveryResult:
        try:
            path = await asyncio.to_thread(
                _write_once, self.root / kind, notice_id, suffix, data,
                created_at or self._clock(), created_at is None, self._made)
        except OSError as exc:  # disk full, permissions: fixable, so retry
            return DeliveryResult.transient(f"outbox write failed: {exc.strerror}")
        return DeliveryResult.ok(str(path.relative_to(self.root)))


class OutboxSmsChannel(_OutboxChannel):
    async def send(self, message: OutgoingSms) -> DeliveryResult:
        header = f"Notice-Id: {message.notice_id}\nKind: {message.kind}\nTo: {message.phone}\n\n"
        data = (header + message.text + "\n").encode("utf-8")
        return await self._store("sms", message.notice_id, ".txt", data, message.created_at)


class OutboxEmailChannel(_OutboxChannel):
    def __init__(
        self,
        root: Path,
        settings: SmtpSettings,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(root, clock)
        self.settings = settings  # for From and the Message-ID domain, as on the wire

    async def send(self, message: OutgoingEmail) -> DeliveryResult:
        mime = build_mime_message(message, self.settings, now=self._clock())
        # LF line ends (not the wire CRLF): operators read these files with ordinary tools.
        data = mime.as_bytes(policy=default_policy)
        return await self._store("email", message.notice_id, ".eml", data, message.created_at)
