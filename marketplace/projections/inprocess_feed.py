"""The in-process feed: one projection kept current from the event log, on demand and polled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from enum import StrEnum
from typing import TypeVar

from marketplace.adapters.outages import is_outage
from marketplace.log import get_logger
from marketplace.projections.catch_up import BATCH_SIZE, apply_page, catch_up
from marketplace.projections.event_log import EventLog, LogPage
from marketplace.projections.failures import (
    ProjectionFailed,
    ProjectionFailure,
    describe,
    failure_of,
    read_failures,
    record_failure,
)
from marketplace.projections.projection import Projection
from marketplace.projections.rebuild import rebuild
from marketplace.projections.store import ReadModelStore, StaleProjection

log = get_logger(__name__)
MAX_BACKOFF = 2.0  # seconds: after an outage, catch up soon after the store is back
T = TypeVar("T")


class FeedState(StrEnum):
    CURRENT = "current"  # fed: reads catch up first
    REBUILDING = "rebuilding"  # another version is stored; served as is until the swap
    STALE = "stale"  # another process stored another version; served as is
    FAILED = "failed"  # an event cannot be applied; served as is until rebuilt


class InProcessFeed:
    """Feeds `projection` in this process; `refresh` is what read-your-writes calls.

    An event that cannot be applied (not an outage) stops the feed: the failure is recorded
    in the store, logged once, and the rows it has are served until a rebuild clears it.
    """

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
        self.failure: ProjectionFailure | None = None
        self._lock = asyncio.Lock()
        # When the last catch-up that finished had started (monotonic): it saw every event
        # committed before then, so a caller who asked earlier needs no catch-up of its own.
        self._fresh_from = float("-inf")
        self._rebuilding: asyncio.Task[None] | None = None
        self._outage: tuple[float, BaseException] | None = None  # the last catch-up's, and when
        # A position the store is known to have reached for this projection (it may be further:
        # another process may feed it too): a read finding the log's head there needs no catch-up.
        self.known = 0

    async def start(self) -> None:
        """Rebuild in the background when the stored version is another one."""
        await self.store.create(self.projection)
        stored = await self.store.state(self.projection.name)
        failure = failure_of(self.projection, await read_failures(self.store))
        if failure is not None:
            self._failed(failure)
        elif stored is not None and stored.version != self.projection.version:
            self.state = FeedState.REBUILDING
            self._rebuilding = asyncio.create_task(self._rebuild())
        elif stored is not None:
            self.known = stored.position

    @property
    def is_current(self) -> bool:
        return self.state is FeedState.CURRENT

    def _failed(self, failure: ProjectionFailure) -> None:
        self.state, self.failure = FeedState.FAILED, failure

    async def _record(self, failed: ProjectionFailed) -> None:
        self._failed(await record_failure(self.store, self.projection, failed))

    async def _rebuild(self) -> None:
        delay = 0.5
        while True:
            try:
                async with self._lock:
                    rebuilt = await rebuild(
                        self.store, self.projection, self.events, batch_size=self.batch_size
                    )
                    self.known = rebuilt.position
                self.state = FeedState.CURRENT
                log.info("projection_rebuilt", projection=self.projection.name)
                return
            except ProjectionFailed as failed:
                await self._record_retrying(failed)
                return
            except Exception as exc:
                if not is_outage(exc):  # not an event's fault, but no retry will help either
                    await self._record_retrying(ProjectionFailed(None, exc, "rebuild"))
                    return
                log.warning(
                    "projection_rebuild_waiting", projection=self.projection.name, error=repr(exc)
                )  # the old rows are served meanwhile
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def _record_retrying(self, failed: ProjectionFailed) -> None:
        """Record a failure even if the store is briefly away."""
        delay = 0.5
        while True:
            try:
                await self._record(failed)
                return
            except Exception as exc:
                log.warning("projection_failure_not_recorded", error=describe(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def refresh(self) -> None:
        """Catch up with the event store (nothing to do, and cheap, when there is no lag).

        Callers that waited for a catch-up that found the store unreachable get its error at
        once instead of waiting out the same timeouts again.
        """
        if self.state is not FeedState.CURRENT:
            return
        asked = time.monotonic()
        async with self._lock:
            if self.state is not FeedState.CURRENT:
                return
            if self._outage is not None and self._outage[0] >= asked:
                raise self._outage[1]
            # A page's figures ask at once: one catch-up serves all who asked before it began
            # (two per page instead of one per query, each reading the state and the head).
            if self._fresh_from >= asked:
                return
            started = time.monotonic()
            reached = await self._guarded(
                catch_up(self.store, self.projection, self.events, batch_size=self.batch_size)
            )
            if self.state is FeedState.CURRENT and reached is not None:
                self._fresh_from = started
                self.known = max(self.known, reached)

    async def position(self) -> int:
        """The position the store tracks for the projection (0 before its first event)."""
        state = await self.store.state(self.projection.name)
        return state.position if state else 0

    async def take(self, page: LogPage) -> bool:
        """Apply a page the runtime read once for every feed (see fan_out); False once this
        feed takes no more (failed or stale)."""
        async with self._lock:
            if self.state is not FeedState.CURRENT:
                return False
            await self._guarded(apply_page(self.store, self.projection, page))
            if self.state is not FeedState.CURRENT:
                return False
            self.known = max(self.known, page.last)
            return True

    async def fail(self, failed: ProjectionFailed) -> None:
        """The shared read met an event that cannot be decoded: as if this feed had read it."""
        async with self._lock:
            if self.state is FeedState.CURRENT:
                await self._record(failed)

    async def _guarded(self, catching_up: Awaitable[T]) -> T | None:
        """Run a catch-up; a stale or failed projection changes state, outages are kept."""
        try:
            return await catching_up
        except StaleProjection as exc:
            self.state = FeedState.STALE
            log.warning("projection_stale", projection=self.projection.name, error=str(exc))
        except ProjectionFailed as failed:
            await self._record(failed)
        except Exception as exc:
            if is_outage(exc):
                self._outage = (time.monotonic(), exc)
            raise
        return None

    def resume_unless_failed(self, failures: dict[str, ProjectionFailure]) -> None:
        """Feed a failed projection again once its failure is gone (a rebuild, e.g. by the CLI)."""
        if self.state is FeedState.FAILED and failure_of(self.projection, failures) is None:
            self.state, self.failure = FeedState.CURRENT, None
            log.info("projection_resumed", projection=self.projection.name)

    async def stop(self) -> None:
        if self._rebuilding is not None:
            self._rebuilding.cancel()
            await asyncio.gather(self._rebuilding, return_exceptions=True)
