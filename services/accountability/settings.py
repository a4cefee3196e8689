from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings

HERE = Path(__file__).resolve().parent


class AccountabilitySettings(ServiceSettings):
    http_port: int = Field(8003)
    rulebook_path: Path = Field(HERE / "rulebooks" / "default.yaml",
                                description="rule book in force at start")
