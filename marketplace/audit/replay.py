"""Rebuild every read model as it stood at a past moment, beside the live ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.handlers.ports import NotificationLog
from marketplace.projections.catch_up import catch_up
from marketplace.projections.event_log import EventLog
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.registry import PROJECTIONS

# (projections done, projections in all, position in the log of the one in hand, log head)
ReplayProgress = Callable[[int, int, int, int], None]


def as_of_location(live: ReadModelLocation, moment: datetime) -> ReadModelLocation:
    """A schema or file of its own per moment beside `live`, named after it (UTC, to the second)."""
    stamp = moment.astimezone(UTC).strftime("%Y%m%dt%H%M%Sz")
    if live.sqlite_path is not None:
        return replace(
            live, sqlite_path=live.sqlite_path.with_name(f"read_models.asof-{stamp}.sqlite3")
        )
    return replace(live, postgres_schema=f"{live.postgres_schema[:40]}_asof_{stamp}")


async def replay_as_of(
    events: StoreLocation,
    live: ReadModelLocation,
    moment: datetime,
    on_progress: ReplayProgress | None = None,
) -> tuple[str, int]:
    """Every projection from the events that happened up to `moment`; where, and how far read.

    A replay into the same moment's location starts afresh, so it always gives the same rows.
    """
    store = EventSourcingStore(events)
    try:
        return await replay_into(as_of_location(live, moment), store, moment, on_progress)
    finally:
        store.close()


async def replay_into(
    location: ReadModelLocation,
    notifications: NotificationLog,
    moment: datetime,
    on_progress: ReplayProgress | None = None,
) -> tuple[str, int]:
    """Every projection, afresh at `location`, from the events of `notifications` up to `moment`."""
    await (await open_store(location)).discard()
    store = await open_store(location)
    try:
        log = EventLog(notifications, until=moment)
        head = await log.head()
        position = 0
        for done, projection in enumerate(PROJECTIONS):
            await store.create(projection)

            def progress(at: int, done: int = done) -> None:
                if on_progress:
                    on_progress(done, len(PROJECTIONS), at, head)

            position = await catch_up(store, projection, log, on_progress=progress)
            if on_progress:
                on_progress(done + 1, len(PROJECTIONS), 0, head)
        return store.where, position
    finally:
        await store.close()
