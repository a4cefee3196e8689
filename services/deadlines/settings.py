from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings

HERE = Path(__file__).resolve().parent


class DeadlinesSettings(ServiceSettings):
    http_port: int = Field(8002)
    poll_interval_s: float = Field(0.5, gt=0, description="how often due deadlines are claimed")
    poll_batch: int = Field(500, ge=1, description="due deadlines claimed per poll")
    calendar_dir: Path = Field(HERE / "calendars", description="county-maintained year files")
