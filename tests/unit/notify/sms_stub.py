"""A tiny Alibaba-SMS-like HTTP server on 127.0.0.1 (asyncio streams, no framework).

Tests script its answers: queue (status, json) replies, or a delay to provoke a client timeout;
when the queue is empty it answers Code "OK". Every request's form fields are recorded. Like
Alibaba it keeps the sends it accepted, by number and China-time day, and answers
QuerySendDetails from them (or from `query_replies`, when a test scripts those).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, quote

from shared.clock import SHANGHAI

OK_REPLY = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "req-ok"}


def signature_ok(form: dict[str, str], secret: str) -> bool:
    """Check a request's Signature the way the provider does, independently of the client's
    code: RFC 3986 encoding, sorted, "POST&%2F&…", HMAC-SHA1 with the secret + "&"."""
    fields = {k: v for k, v in form.items() if k != "Signature"}
    enc = lambda s: quote(s, safe="-_.~")  # noqa: E731
    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(fields.items()))
    expected = hmac.new(f"{secret}&".encode(), f"POST&%2F&{enc(canonical)}".encode(), hashlib.sha1)
    return form.get("Signature") == base64.b64encode(expected.digest()).decode()


@dataclass
class SmsProviderStub:
    replies: list[tuple[int, object]] = field(default_factory=list)
    delay_seconds: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)
    server: asyncio.AbstractServer | None = None
    accepted: list[dict] = field(default_factory=list)  # SmsSendDetailDTO rows of OK sends
    query_replies: list[tuple[int, object]] = field(default_factory=list)

    def sends(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r.get("Action") == "SendSms"]

    def queries(self) -> list[dict[str, str]]:
        return [r for r in self.requests if r.get("Action") == "QuerySendDetails"]

    def _query(self, form: dict[str, str]) -> tuple[int, object]:
        if self.query_replies:
            return self.query_replies.pop(0)
        rows = [r for r in self.accepted if r["PhoneNum"] == form["PhoneNumber"]
                and r["SendDate"][:10].replace("-", "") == form["SendDate"]]
        size, page = int(form["PageSize"]), int(form["CurrentPage"])
        return 200, {"Code": "OK", "Message": "OK", "RequestId": "req-q",
                     "TotalCount": str(len(rows)),
                     "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows[(page - 1) * size:page * size]}}

    def _accept(self, form: dict[str, str]) -> None:
        self.accepted.append({"OutId": form.get("OutId"), "PhoneNum": form.get("PhoneNumbers"),
                              "SendStatus": 1, "TemplateCode": form.get("TemplateCode"),
                              "SendDate": datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")})

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
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            self.requests.append(form)
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            if form.get("Action") == "QuerySendDetails":
                status, payload = self._query(form)
            else:
                status, payload = self.replies.pop(0) if self.replies else (200, OK_REPLY)
                if status == 200 and isinstance(payload, dict) and payload.get("Code") == "OK":
                    self._accept(form)
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
