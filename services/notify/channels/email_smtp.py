"""E-mail over real SMTP (aiosmtplib): one notice, one recipient, one multipart/alternative message.

The Message-ID is derived from the notice id, so a message sent twice after a crash between
"sent" and "recorded" is recognisable as the same notice by the recipient's mail system.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from enum import StrEnum

import aiosmtplib

from .base import DeliveryResult, OutgoingEmail, scrub_personal_data


class SmtpSecurity(StrEnum):
    PLAIN = "plain"  # loopback / trusted relay only
    STARTTLS = "starttls"
    IMPLICIT_TLS = "implicit_tls"  # "SMTPS", usually port 465


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    from_address: str
    from_name: str = "县效能建设办公室"
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    tls_context: ssl.SSLContext | None = None
    message_id_domain: str | None = None  # default: the domain of from_address


def message_id_for(notice_id: str, domain: str) -> str:
    return f"<notice.{notice_id}@{domain}>"


def build_mime_message(
    email: OutgoingEmail, settings: SmtpSettings, now: datetime | None = None
) -> EmailMessage:
    domain = settings.message_id_domain or settings.from_address.rpartition("@")[2]
    message = EmailMessage()
    message["From"] = formataddr((settings.from_name, settings.from_address))
    if email.to_name:
        message["To"] = Address(display_name=email.to_name, addr_spec=email.to_address)
    else:
        message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = message_id_for(email.notice_id, domain)
    message["X-Xiaoneng-Notice-Id"] = email.notice_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies, please
    message.set_content(email.text, subtype="plain", charset="utf-8")
    message.add_alternative(email.html, subtype="html", charset="utf-8")
    return message


def _classify_code(code: int, message: str) -> DeliveryResult:
    reason = scrub_personal_data(f"SMTP {code} {message}".strip())
    if 400 <= code < 500:
        return DeliveryResult.transient(reason)
    if 500 <= code < 600:
        return DeliveryResult.permanent(reason)
    return DeliveryResult.transient(reason)  # unexpected code: retry, bounded by the caller


class SmtpEmailChannel:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, message: OutgoingEmail) -> DeliveryResult:
        s = self.settings
        mime = build_mime_message(message, s)
        try:
            _, response = await aiosmtplib.send(
                mime,
                hostname=s.host,
                port=s.port,
                username=s.username,
                password=s.password,
                use_tls=s.security is SmtpSecurity.IMPLICIT_TLS,
                start_tls=s.security is SmtpSecurity.STARTTLS,
                tls_context=s.tls_context,
                timeout=s.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]  # one recipient per message
            return _classify_code(refused.code, refused.message)
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Bad credentials are an operator fix, not a property of this notice: keep it for retry.
            return DeliveryResult.transient(f"SMTP authentication failed ({exc.code})")
        except aiosmtplib.SMTPResponseException as exc:
            return _classify_code(exc.code, exc.message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # connection refused, timeouts, TLS handshake, server disconnects: all worth a retry
            return DeliveryResult.transient(
                scrub_personal_data(f"SMTP {type(exc).__name__}: {exc}")
            )
        return DeliveryResult.ok(str(mime["Message-ID"]), reason=response)
