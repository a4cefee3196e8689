"""The outbox's producer can be replaced when aiokafka leaves it stuck (OutOfOrderSequenceNumber
after a broker restart); callers keep their reference and reach the new one."""

from __future__ import annotations

from shared.messaging.outbox import RenewableProducer


class FakeProducer:
    def __init__(self, n: int) -> None:
        self.n, self.started, self.stopped = n, False, False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


async def test_renew_swaps_in_a_started_producer_and_stops_the_old_one():
    made: list[FakeProducer] = []
    p = RenewableProducer(lambda: made.append(FakeProducer(len(made))) or made[-1])
    await p.start()
    assert p.n == 0 and made[0].started
    await p.renew()
    assert p.n == 1 and made[1].started and made[0].stopped


def test_a_server_shutting_down_is_an_infrastructure_error():
    """asyncpg's CannotConnectNowError arrives wrapped as a generic 'Error' with its SQLSTATE."""
    from sqlalchemy import exc as sa_exc

    from shared.messaging.errors import is_infrastructure_error

    class Error(Exception):
        sqlstate = "57P03"

    wrapped = sa_exc.DBAPIError("SELECT 1", {}, Error("the database system is shutting down"))
    assert is_infrastructure_error(wrapped)

    class Unique(Exception):
        sqlstate = "23505"

    assert not is_infrastructure_error(sa_exc.DBAPIError("INSERT", {}, Unique("duplicate key")))
