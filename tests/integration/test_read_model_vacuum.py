"""A rebuilt PostgreSQL read model is swapped in vacuumed and analysed (not planned blind)."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import pytest

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.projections import directory
from marketplace.projections.event_log import EventLog
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.rebuild import rebuild
from tests.conftest import POSTGRES_URL
from tests.integration.conftest import services_on
from tests.integration.projection_harness import write_chart

pytestmark = pytest.mark.postgres


async def test_a_rebuilt_table_has_statistics_and_a_visibility_map(pg_schema: str) -> None:
    store = EventSourcingStore(StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=pg_schema))
    models_schema = f"{pg_schema}_rm"
    models = await open_store(
        ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=models_schema)
    )
    try:
        write_chart(services_on(store))
        await models.create(directory.PROJECTION)
        await rebuild(models, directory.PROJECTION, EventLog(store))
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            # ANALYZE counted the rows; VACUUM marked the pages all-visible, so the planner
            # may answer from an index alone (what the dashboard's sums rely on).
            tuples, visible = await conn.fetchrow(
                "SELECT c.reltuples, c.relallvisible FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = $1 AND c.relname = $2",
                models_schema,
                directory.UNITS.name,
            )
        finally:
            await conn.close()
        assert tuples > 0
        assert visible > 0
    finally:
        await models.close()
        store.close()
