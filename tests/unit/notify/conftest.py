"""Fixtures for the notify building blocks: a real SMTP server and an SMS-provider stub on loopback."""

from __future__ import annotations

import pytest

from tests.unit.notify.sms_stub import SmsProviderStub
from tests.unit.notify.smtp_server import RecordingHandler, start_smtp_server


@pytest.fixture
def smtp_server():
    controller, handler = start_smtp_server()
    yield controller, handler
    controller.stop()


@pytest.fixture
def smtp_handler(smtp_server) -> RecordingHandler:
    return smtp_server[1]


@pytest.fixture
async def sms_stub():
    stub = SmsProviderStub()
    await stub.start()
    yield stub
    await stub.stop()
