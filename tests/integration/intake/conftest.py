from __future__ import annotations

import pytest

from services.intake import examples
from shared.logs import configure_logging
from tests.integration.intake.harness import start_intake

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session", autouse=True)
def _json_logs():
    # Our structlog chain (masking included) must be in place before intake's loggers are
    # first used, so the log tests see exactly what an operator would.
    configure_logging("intake", "INFO", "json")


@pytest.fixture(scope="module")
async def intake(infra):
    """One intake per test module (fresh schema and topics); tests use unique case ids."""
    async for it in start_intake(infra.kafka_bootstrap, infra.database_url):
        for type_, data in examples.ROSTER:
            from services.intake.commands import COMMANDS
            r = await it.post(COMMANDS[type_].path, data)
            assert r.status_code in (200, 202), r.text
        yield it
