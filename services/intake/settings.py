from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    http_port: int = Field(8001, description="intake API, health and metrics port")
    http_host: str = Field("0.0.0.0", description="the API serves other systems")
