"""The in-process feed: one projection kept current from the event log, on demand and polled."""

from __future__ import annotations

import asyncio
from enum import StrEnum

from marketplace.log import get_logger
from marketplace.projections.catch_up import BATCH_SIZE, catch_up
from marketplace.projections.event_log import EventLog
from marketplace.projections.projection import Projection
from marketplace.projections.rebuild import rebuild
from marketplace.projections.store import ReadModelStore, StaleProjection

log = get_logger(__name__)
_MAX_BACKOFF = 30.0


class FeedState(StrEnum):
    CURRENT = "current"  # fed: reads catch up first
    REBUILDING = "rebuilding"  # another version is stored; served as is until the swap
    STALE = "stale"  # another process stored another version; served as is


class InProcessFeed:
    """Feeds `projection` in this process; `refresh` is what read-your-writes calls."""

    def __init__(
        self,
        store: ReadModelStore,
        projection: Projection,
        events: EventLog,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.store = store
        self.projection = projection
        self.events = events
        self.batch_size = batch_size
        self.state = FeedState.CURRENT
        self._lock = asyncio.Lock()
        self._rebuilding: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Rebuild in the background when the stored version is another one."""
        await self.store.create(self.projection)
        stored = await self.store.state(self.projection.name)
        if stored is not None and stored.version != self.projection.version:
            self.state = FeedState.REBUILDING
            self._rebuilding = asyncio.create_task(self._rebuild())

    async def _rebuild(self) -> None:
        delay = 1.0
        while True:
            try:
                async with self._lock:
                    await rebuild(
                        self.store, self.projection, self.events, batch_size=self.batch_size
                    )
                self.state = FeedState.CURRENT
                log.info("projection_rebuilt", projection=self.projection.name)
                return
            except Exception as exc:  # retried: the old rows are served meanwhile
                log.warning(
                    "projection_rebuild_failed", projection=self.projection.name, error=repr(exc)
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)

    async def refresh(self) -> None:
        """Catch up with the event store (nothing to do, and cheap, when there is no lag)."""
        if self.state is not FeedState.CURRENT:
            return
        async with self._lock:
            try:
                await catch_up(self.store, self.projection, self.events, batch_size=self.batch_size)
            except StaleProjection as exc:
                self.state = FeedState.STALE
                log.warning("projection_stale", projection=self.projection.name, error=str(exc))

    async def stop(self) -> None:
        if self._rebuilding is not None:
            self._rebuilding.cancel()
            await asyncio.gather(self._rebuilding, return_exceptions=True)
