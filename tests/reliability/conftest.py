"""The reliability suite runs on its own Kafka + PostgreSQL (tests/support/private_infra.py).

Short form by default (CI, ~2,000 events); XN_RELIABILITY=long for the full campaign
(>= 10,000 events). Under CI=true a broker or database that cannot be started is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.private_infra import PrivateInfra


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability: crash/outage suite on a private broker and "
                                       "database (XN_RELIABILITY=long for the long form)")


@pytest.fixture(scope="session")
def private_infra() -> PrivateInfra:
    pi = PrivateInfra("chaos", kafka_port=int(os.environ.get("XN_RELIABILITY_KAFKA_PORT", "19092")),
                      pg_port=int(os.environ.get("XN_RELIABILITY_PG_PORT", "15432")),
                      state_dir=Path(os.environ.get("XN_RELIABILITY_DIR", "/tmp/xn-reliability")))
    try:
        pi.up()
    except Exception as exc:  # no Java/Maven/PostgreSQL here
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the private broker/database did not start: {exc}",
                        pytrace=False)
        pytest.skip(f"private broker/database did not start: {exc}")  # outside CI only
    yield pi
    pi.down()
