"""Rebuild every read model as it stood at a past moment, beside the live ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.bootstrap import read_model_location, store_location
from marketplace.projections.catch_up import Progress, catch_up
from marketplace.projections.event_log import EventLog
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.registry import PROJECTIONS
from marketplace.settings import Settings


def as_of_location(settings: Settings, moment: datetime) -> ReadModelLocation:
    """A schema or file of its own per moment, named after it (UTC, to the second)."""
    stamp = moment.astimezone(UTC).strftime("%Y%m%dt%H%M%Sz")
    live = read_model_location(settings)
    if live.sqlite_path is not None:
        return replace(
            live, sqlite_path=live.sqlite_path.with_name(f"read_models.asof-{stamp}.sqlite3")
        )
    return replace(live, postgres_schema=f"{live.postgres_schema[:40]}_asof_{stamp}")


async def replay_as_of(
    settings: Settings, moment: datetime, on_progress: Progress | None = None
) -> tuple[str, int]:
    """Every projection from the events that happened up to `moment`; where, and how far read.

    A replay into the same moment's location starts afresh, so it always gives the same rows.
    """
    location = as_of_location(settings, moment)
    await (await open_store(location)).discard()
    store = await open_store(location)
    events = EventSourcingStore(store_location(settings))
    try:
        log = EventLog(events.application, until=moment)
        position = 0
        for projection in PROJECTIONS:
            await store.create(projection)
            position = await catch_up(store, projection, log, on_progress=on_progress)
        return store.where, position
    finally:
        await store.close()
        events.close()
