"""Local outbox "provider" (the default on a single machine and in development): each SMS becomes
var/outbox/sms/<date>/<notice-id>.txt and each e-mail var/outbox/email/<date>/<notice-id>.eml.

Files appear atomically (written to a temp file, then hard-linked into place, which fails if the
name exists) and once per notice id, even when a retry lands on another day's folder.
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


def _write_once(folder: Path, notice_id: str, suffix: str, data: bytes, now: datetime) -> Path:
    existing = next(folder.glob(f"*/{notice_id}{suffix}"), None)
    if existing is not None:
        return existing
    day_folder = folder / now.astimezone(LOCAL_TZ).date().isoformat()
    day_folder.mkdir(parents=True, exist_ok=True)
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
            pass
    finally:
        os.unlink(temp_name)
    return target


class _OutboxChannel:
    def __init__(self, root: Path, clock: Callable[[], datetime] = _utc_now) -> None:
        self.root = Path(root)
        self._clock = clock

    async def _store(self, kind: str, notice_id: str, suffix: str, data: bytes) -> DeliveryResult:
        try:
            path = await asyncio.to_thread(
                _write_once, self.root / kind, notice_id, suffix, data, self._clock()
            )
        except OSError as exc:  # disk full, permissions: fixable, so retry
            return DeliveryResult.transient(f"outbox write failed: {exc.strerror}")
        return DeliveryResult.ok(str(path.relative_to(self.root)))


class OutboxSmsChannel(_OutboxChannel):
    async def send(self, message: OutgoingSms) -> DeliveryResult:
        header = f"Notice-Id: {message.notice_id}\nKind: {message.kind}\nTo: {message.phone}\n\n"
        data = (header + message.text + "\n").encode("utf-8")
        return await self._store("sms", message.notice_id, ".txt", data)


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
        return await self._store("email", message.notice_id, ".eml", data)
