from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    http_port: int = Field(8004)
    sms_provider: Literal["outbox", "aliyun"] = Field("outbox")
    email_transport: Literal["outbox", "smtp"] = Field("outbox")
    outbox_dir: Path = Field(Path("var/outbox"), description="local outbox provider folder")
    sms_signature: str = Field("【县效能办】")
    sms_endpoint: str = Field("https://dysmsapi.aliyuncs.com/")
    sms_access_key_id: str = Field("")
    sms_access_key_secret: SecretStr = Field(SecretStr(""))
    sms_sign_name: str = Field("县效能办")
    sms_rate_per_s: float = Field(20.0, gt=0)
    smtp_host: str = Field("127.0.0.1")
    smtp_port: int = Field(25)
    smtp_tls: Literal["none", "starttls", "implicit"] = Field("none")
    smtp_username: str = Field("")
    smtp_password: SecretStr = Field(SecretStr(""))
    mail_from: str = Field("xiaoneng@county.gov.cn")
    quiet_hours_start: str = Field("22:00")
    quiet_hours_end: str = Field("07:00")
