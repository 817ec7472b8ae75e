"""Read models far behind the store (never built, a restored store) do not hold the API's start:
they catch up in the background, and reads meanwhile answer at once with their lag."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.api.request_context import RequestContext
from marketplace.projections import directory
from marketplace.projections.event_log import EventLog, LogPage
from marketplace.projections.lag import log_lag
from marketplace.projections.location import ReadModelLocation
from marketplace.projections.read_lag import note_read_lag, observing_read_lag
from marketplace.projections.runtime import CATCHING_UP, ProjectionRuntime
from tests.integration.conftest import services_on
from tests.integration.projection_harness import rows, write_chart


class GatedLog(EventLog):
    """The store's log, read only once the test opens the gate: the catch-up is held there."""

    def __init__(self, store: EventSourcingStore) -> None:
        super().__init__(store)
        self.gate = asyncio.Event()

    async def read(self, after: int, limit: int) -> LogPage | None:
        await self.gate.wait()
        return await super().read(after, limit)


@pytest.fixture
async def chart_store(tmp_path: Path) -> AsyncIterator[EventSourcingStore]:
    store = EventSourcingStore(StoreLocation(sqlite_path=tmp_path / "events.sqlite3"))
    write_chart(services_on(store))
    yield store
    store.close()


def _runtime(tmp_path: Path, log: EventLog, catch_up_at_start: int) -> ProjectionRuntime:
    return ProjectionRuntime(
        ReadModelLocation(sqlite_path=tmp_path / "read_models.sqlite3"),
        log,
        [directory.PROJECTION],
        feed_in_process=True,
        catch_up_at_start=catch_up_at_start,
    )


async def test_far_behind_the_api_starts_at_once_and_reads_say_their_lag(
    chart_store: EventSourcingStore, tmp_path: Path
) -> None:
    log = GatedLog(chart_store)
    head = await log.head()
    runtime = _runtime(tmp_path, log, catch_up_at_start=3)
    await asyncio.wait_for(runtime.start(), timeout=10)  # the gated catch-up does not hold it
    try:
        with observing_read_lag() as lag:
            reader = await asyncio.wait_for(runtime.reader(directory.PROJECTION.name), 10)
        assert lag.events == head  # nothing applied yet, and the read did not wait for it
        assert await rows(runtime.store, directory.UNITS) == []
        (status,) = await runtime.status()
        unit_events = log_lag(chart_store, directory.PROJECTION, 0, head)
        assert (status.state, status.lag) == (CATCHING_UP, unit_events)
        log.gate.set()
        await asyncio.wait_for(runtime.caught_up(), timeout=30)
        with observing_read_lag() as lag:
            reader = await runtime.reader(directory.PROJECTION.name)
        assert lag.events == 0
        assert len(await rows(reader, directory.UNITS)) == 6
        (status,) = await runtime.status()
        assert (status.state, status.lag) == ("current", 0)
    finally:
        await runtime.stop()


async def test_a_little_behind_start_catches_up_before_the_api_serves(
    chart_store: EventSourcingStore, tmp_path: Path
) -> None:
    log = GatedLog(chart_store)
    log.gate.set()
    runtime = _runtime(tmp_path, log, catch_up_at_start=10_000)
    await runtime.start()
    try:
        assert len(await rows(runtime.store, directory.UNITS)) == 6  # before any read
        with observing_read_lag() as lag:
            await runtime.reader(directory.PROJECTION.name)
        assert lag.events == 0
    finally:
        await runtime.stop()


def test_a_response_that_read_a_lagging_read_model_carries_its_lag() -> None:
    app = FastAPI()

    @app.get("/lagging")
    def lagging() -> dict[str, str]:  # a sync route: its reads run in a worker thread
        note_read_lag(40)
        note_read_lag(7)  # the furthest behind wins
        return {}

    @app.get("/current")
    async def current() -> dict[str, str]:
        return {}

    app.add_middleware(RequestContext)
    with TestClient(app) as client:
        assert client.get("/lagging").headers["x-read-model-lag"] == "40"
        assert "x-read-model-lag" not in client.get("/current").headers
