from __future__ import annotations

import asyncio
import os
import warnings

import pytest

from tests.support.infra import Infra, locate
from tests.support.kafka import GIVEN, delete_topics


@pytest.fixture(scope="session")
def infra() -> Infra:
    found, containers, why = locate()
    if found is None:
        if os.environ.get("CI") == "true":  # in CI a missing broker or database is a failure
            pytest.fail(f"CI=true and {why}", pytrace=False)
        pytest.skip(why)  # only outside CI (CI fails above)
    yield found
    if GIVEN:  # the topics this session's harnesses made; the broker keeps them otherwise
        try:
            asyncio.run(delete_topics(found.kafka_bootstrap, names=tuple(GIVEN)))
        except Exception as exc:  # housekeeping: the tests' verdict stands either way
            warnings.warn(f"could not delete this session's topics: {exc!r}", stacklevel=1)
    for c in containers:
        c.stop()
