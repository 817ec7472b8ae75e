"""A projection's lag counts only the events of its own topics (0 when it is caught up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace.aggregates.base import Actor
from marketplace.demo import organisation_yaml
from marketplace.handlers.unit_import import import_units
from marketplace.projections import directory, trade_volume
from marketplace.projections.lag import kafka_lag, log_lag, log_lags
from marketplace.projections.location import ReadModelLocation, open_store
from tests.integration.conftest import StoreFactory, services_on

CLI = Actor(unit_id=None, token_id="cli")


@pytest.mark.both_stores
def test_in_process_lag_counts_the_events_of_the_projections_topics(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    import_units(services_on(store), CLI, organisation_yaml())
    head = store.head()
    recorder = store
    unit_events = head - 1  # all but the chart's establishment, which is internal
    assert log_lag(recorder, directory.PROJECTION, 0, head) == unit_events
    assert log_lag(recorder, directory.PROJECTION, 3, head) == head - 3
    assert log_lag(recorder, directory.PROJECTION, head, head) == 0
    # No contract events at all: caught up, wherever its position is.
    assert log_lag(recorder, trade_volume.PROJECTION, 0, head) == 0
    # Every projection's lag from one read of the log, as the status asks for them.
    several = [(directory.PROJECTION, 0), (directory.PROJECTION, 3), (trade_volume.PROJECTION, 0)]
    assert log_lags(recorder, several, head) == [
        log_lag(recorder, p, at, head) for p, at in several
    ]


async def test_kafka_lag_is_end_offsets_minus_the_offsets_applied_on_its_own_topics(
    tmp_path: Path,
) -> None:
    store = await open_store(ReadModelLocation(sqlite_path=tmp_path / "read_models.sqlite3"))
    try:
        await store.create(directory.PROJECTION)
        async with store.transaction() as tx:
            await tx.save_next_offset("directory", "p.marketplace.units", 0, 7)
            await tx.save_next_offset("directory", "p.marketplace.units", 1, 3)
        ends = {
            ("p.marketplace.units", 0): 7,
            ("p.marketplace.units", 1): 5,
            ("p.marketplace.units", 2): 4,  # nothing applied there yet
            ("p.marketplace.contracts", 0): 90,  # not its topic
        }
        assert await kafka_lag(store, directory.PROJECTION, "p.", ends) == 0 + 2 + 4
        assert await kafka_lag(store, trade_volume.PROJECTION, "p.", ends) == 90
        caught_up = {("p.marketplace.units", 0): 7, ("p.marketplace.units", 1): 3}
        assert await kafka_lag(store, directory.PROJECTION, "p.", caught_up) == 0
    finally:
        await store.close()
