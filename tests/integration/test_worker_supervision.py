"""Workers outlive outages: projection workers started while the database is away start later.

Before, `run_projection_workers` raised at its first connection, so `marketplace project` exited
and, inside `serve --all-in-one`, the worker task died silently while the API went on serving.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.bootstrap import build_projection_workers
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.settings import Settings
from marketplace.supervise import keep_running
from tests.conftest import BROKER, POSTGRES_URL, require_broker
from tests.e2e.conftest import free_port
from tests.integration.conftest import services_on
from tests.integration.projection_harness import write_chart
from tests.kafka_support import TcpLink


async def test_projection_workers_wait_for_a_database_that_is_away_at_their_start(
    pg_schema: str,
) -> None:
    require_broker()
    events = EventSourcingStore(StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=pg_schema))
    write_chart(services_on(events))
    events.close()
    link = TcpLink(free_port(), 5432)  # not listening yet: the database is away
    settings = Settings(
        database_url=POSTGRES_URL.replace(":5432/", f":{link.listen_port}/"),
        database_schema=pg_schema,
        kafka_bootstrap=BROKER,
        kafka_topic_prefix=f"t{uuid.uuid4().hex[:8]}.",
        database_timeout=1.0,
    )
    stop = asyncio.Event()
    workers = asyncio.create_task(
        keep_running(
            "projection_workers", lambda: build_projection_workers(settings).run(stop), stop
        )
    )
    read_models = await open_store(
        ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=settings.read_models_schema)
    )
    try:
        await asyncio.sleep(2.5)
        assert not workers.done(), "the workers gave up while the database was away"
        link.restore()
        deadline = time.monotonic() + 20
        while not await _directory_has(read_models, "PWR-01A"):
            assert not workers.done(), workers
            assert time.monotonic() < deadline, "the workers did not build once it was back"
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        await asyncio.wait_for(workers, 15)
        await read_models.close()
        link.shutdown()


async def _directory_has(read_models: object, unit_id: str) -> bool:
    try:
        rows = await read_models.fetch(  # type: ignore[attr-defined]
            "SELECT id FROM directory_units WHERE id = $1", [unit_id], {}
        )
    except Exception:  # the table is made by the workers' first start
        return False
    return bool(rows)


@pytest.mark.parametrize("error", [ValueError("a bug"), KeyError("x")])
async def test_a_worker_that_fails_for_another_reason_is_not_restarted(error: Exception) -> None:
    calls = 0

    async def run() -> None:
        nonlocal calls
        calls += 1
        raise error

    with pytest.raises(type(error)):
        await keep_running("w", run, asyncio.Event())
    assert calls == 1
