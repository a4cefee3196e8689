from datetime import datetime

import pytest

from services.deadlines.domain import LOCAL_TZ
from tests.integration.deadlines.harness import start


def local(y, m, d, hh=0, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=LOCAL_TZ)


@pytest.fixture
async def svc(infra):
    h, stop = await start(infra, local(2026, 9, 28, 9))
    yield h
    await stop()


def end_of(y, m, d) -> datetime:
    return local(y, m, d, 23, 59, 59).replace(microsecond=999000)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)
