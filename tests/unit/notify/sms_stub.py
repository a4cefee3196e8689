"""A tiny Alibaba-SMS-like HTTP server on 127.0.0.1 (asyncio streams, no framework).

Tests script its answers: queue (status, json) replies, or a delay to provoke a client timeout;
when the queue is empty it answers Code "OK". Every request's form fields are recorded.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

OK_REPLY = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "req-ok"}


@dataclass
class SmsProviderStub:
    replies: list[tuple[int, object]] = field(default_factory=list)
    delay_seconds: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)
    server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/"

    def fail_times(self, count: int, status: int = 200, code: str = "isv.BUSINESS_LIMIT_CONTROL") -> None:
        self.replies.extend([(status, {"Code": code, "Message": "stub failure"})] * count)

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            status, payload = self.replies.pop(0) if self.replies else (200, OK_REPLY)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            writer.write(
                f"HTTP/1.1 {status} STUB\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
