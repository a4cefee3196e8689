from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from shared.settings import ServiceSettings

from .routing import DEFAULT_ROUTING_FILE


class NotifySettings(ServiceSettings):
    http_port: int = Field(8004, description="health/metrics and the read-only delivery log API")
    # --- providers -----------------------------------------------------------------------
    sms_provider: Literal["outbox", "aliyun"] = Field(
        "outbox", description="outbox: write each SMS as a file under outbox_dir (one machine); "
                              "aliyun: Alibaba Cloud SMS over HTTPS")
    email_transport: Literal["outbox", "smtp"] = Field(
        "outbox", description="outbox: write each e-mail as an .eml file; smtp: real SMTP")
    outbox_dir: Path = Field(Path("var/outbox"), description="local outbox provider folder")
    sms_signature: str = Field("【县效能办】", description="signature prefixed to every SMS")
    sms_max_segments: int = Field(3, ge=1, description="longest SMS, in 70-character segments")
    sms_endpoint: str = Field("https://dysmsapi.aliyuncs.com/", description="Alibaba SMS endpoint")
    sms_access_key_id: str = Field("", description="Alibaba AccessKey id")
    sms_access_key_secret: SecretStr = Field(SecretStr(""), description="Alibaba AccessKey secret")
    sms_sign_name: str = Field("县效能办", description="SMS signature approved in the console")
    sms_template_codes: dict[str, str] = Field(
        default_factory=dict, description="notice kind → approved Alibaba TemplateCode (JSON)")
    sms_rate_per_s: float = Field(20.0, gt=0, description="provider QPS quota, per replica")
    smtp_host: str = Field("127.0.0.1", description="SMTP server")
    smtp_port: int = Field(25, description="SMTP port (587 STARTTLS, 465 implicit TLS)")
    smtp_tls: Literal["none", "starttls", "implicit"] = Field(
        "none", description="none only for a loopback or trusted relay")
    smtp_username: str = Field("", description="SMTP user (empty: no AUTH)")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password")
    mail_from: str = Field("xiaoneng@county.gov.cn", description="From address; also the "
                                                                 "Message-ID domain")
    # --- wording -------------------------------------------------------------------------
    office_name: str = Field("县效能建设办公室", description="sender named in notices")
    office_phone: str = Field("12345", description="public enquiry phone named in notices")
    rating_url_template: str = Field(
        "https://xn.example.gov.cn/r/{complaint_id}",
        description="where a complainant rates the result; {complaint_id} is filled in")
    routing_file: Path = Field(DEFAULT_ROUTING_FILE, description="who hears what (YAML)")
    # --- timing --------------------------------------------------------------------------
    quiet_hours_start: str = Field("22:00", description="non-urgent SMS held from (local time)")
    quiet_hours_end: str = Field("07:00", description="… until (Asia/Shanghai); equal = off")
    # --- the sender ----------------------------------------------------------------------
    sender_batch: int = Field(200, ge=1, description="notices claimed per round")
    sender_concurrency: int = Field(16, ge=1, description="sends in flight per replica")
    sender_poll_s: float = Field(1.0, gt=0, description="pause between rounds when idle")
    sender_lease_s: float = Field(
        120.0, gt=0, description="a claim expires after this (clock time): a crashed sender's "
                                 "notices are taken over and re-sent once")
    send_max_attempts: int = Field(6, ge=1, description="attempts before a transient failure "
                                                        "becomes final")
    send_backoff_s: float = Field(30.0, gt=0, description="first retry delay, doubled per try")
    send_backoff_max_s: float = Field(3600.0, gt=0, description="longest retry delay")

    @field_validator("sms_template_codes", mode="before")
    @classmethod
    def _json(cls, v):
        return json.loads(v) if isinstance(v, str) else v

    @property
    def quiet_start(self) -> time:
        return time.fromisoformat(self.quiet_hours_start)

    @property
    def quiet_end(self) -> time:
        return time.fromisoformat(self.quiet_hours_end)

    @property
    def quiet_hours_enabled(self) -> bool:
        return self.quiet_start != self.quiet_end
