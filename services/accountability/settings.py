from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings

HERE = Path(__file__).resolve().parent
SERVICES = HERE.parent


class AccountabilitySettings(ServiceSettings):
    http_port: int = Field(8003)
    rulebook_path: Path = Field(
        HERE / "rulebooks" / "default.yaml",
        description="rule book stored (if its version is new) and put in force at start; later "
                    "versions are loaded with `python -m services.accountability.cli rulebook load`")
    calendar_dir: Path = Field(
        SERVICES / "deadlines" / "calendars",
        description="county year files of the working-day calendar (shared with deadlines)")
