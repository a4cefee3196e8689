from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.deadlines.domain.rules import DEFAULT_RULES_PATH
from shared.settings import ServiceSettings

HERE = Path(__file__).resolve().parent


class DeadlinesSettings(ServiceSettings):
    http_port: int = Field(8002, description="health, metrics and the /deadlines/board endpoint")
    poll_interval_s: float = Field(
        0.25, gt=0, description="pause between polls for due deadlines when none are left; "
                                "bounds the lateness of a card")
    poll_batch: int = Field(500, ge=1, description="due deadlines claimed per poll transaction")
    calendar_dir: Path = Field(
        HERE / "calendars", description="shipped year files; drafts are skipped. Years loaded "
                                        "with `cli calendar load` live in the database")
    rules_path: Path = Field(DEFAULT_RULES_PATH, description="deadline kinds (versioned YAML)")
