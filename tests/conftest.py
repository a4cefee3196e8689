from __future__ import annotations

import os

import pytest

from tests.support.infra import Infra, locate


@pytest.fixture(scope="session")
def infra() -> Infra:
    found, containers, why = locate()
    if found is None:
        if os.environ.get("CI") == "true":  # in CI a missing broker or database is a failure
            pytest.fail(f"CI=true and {why}", pytrace=False)
        pytest.skip(why)  # only outside CI (CI fails above)
    yield found
    for c in containers:
        c.stop()
