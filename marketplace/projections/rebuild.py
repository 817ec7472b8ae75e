"""Rebuild a projection from the event store into a scratch schema or file, then swap it in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from marketplace.projections.catch_up import BATCH_SIZE, Progress, apply_page, catch_up
from marketplace.projections.event_log import EventLog, LogPage
from marketplace.projections.failures import ProjectionFailed, failure_of, read_failures
from marketplace.projections.fan_out import PageTaker, fan_out
from marketplace.projections.projection import Projection, read_by
from marketplace.projections.store import ProjectionState, ReadModelStore
from marketplace.projections.tracking import TopicEvent

# A rebuild reads bigger pages than a feed: fewer transactions, and more changes of a row
# merge before they are written. Nobody waits on a scratch copy's freshness meanwhile.
REBUILD_BATCH_SIZE = 2000
# Events the projections of a rebuild hold in all before each applies its own in one
# transaction (a few kB each): a row several of them change is written once, not per page.
# Long-running processes keep the default low; `projections rebuild --hold` raises it.
HOLD_EVENTS = 20_000
# Events left in hand, at most, when the last page has been read (see `_Flusher`).
TAIL = 20_000
# Projections finishing at once (their last writes, then their swaps): a swap's index builds
# and VACUUM are the database's work, and one projection's writes go on while another's wait
# on it. On the 1M fill (PostgreSQL, --jobs 2) the tail of a process took 15 s one by one.
FINISHING = 4

Item = TypeVar("Item")


async def swap(
    live: ReadModelStore,
    scratch: ReadModelStore,
    projection: Projection,
    log: EventLog,
    *,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Swap `scratch` in for the live rows, first catching it up under the live lock.

    Whatever a feed applied to the old rows is in the event store by then, so the new rows
    miss nothing; their tracking says so, and feeds go on from there.
    """
    async with live.swapping(scratch, projection):
        await catch_up(scratch, projection, log, batch_size=batch_size)


async def rebuild(
    live: ReadModelStore,
    projection: Projection,
    log: EventLog,
    *,
    batch_size: int = REBUILD_BATCH_SIZE,
    on_progress: Progress | None = None,
    hold: int = HOLD_EVENTS,
) -> ProjectionState:
    """Replay the whole store into a fresh sibling of `live`, then swap it in.

    Readers of `live` keep the old rows until the swap commits. Raises `ProjectionFailed` at
    an event it cannot apply (`live` keeps its rows).
    """
    failed = await rebuild_all(
        live, [projection], log, batch_size=batch_size, on_progress=on_progress, hold=hold
    )
    if projection.name in failed:
        raise failed[projection.name]
    state = await live.state(projection.name)
    assert state is not None
    return state


async def rebuild_all(
    live: ReadModelStore,
    projections: Sequence[Projection],
    log: EventLog,
    *,
    batch_size: int = REBUILD_BATCH_SIZE,
    on_progress: Progress | None = None,
    hold: int = HOLD_EVENTS,
) -> dict[str, ProjectionFailed]:
    """`rebuild` each projection, reading the log once for all of them; the failures by name.

    A projection that cannot apply an event keeps its old rows; the others are swapped in.
    """
    scratches: dict[str, ReadModelStore] = {}
    failed: dict[str, ProjectionFailed] = {}
    try:
        held: list[_Scratch] = []
        for projection in projections:
            scratch = scratches[projection.name] = await live.scratch(projection)
            held.append(_Scratch(scratch, projection, failed))
        flusher = _Flusher(held, hold, await log.head())
        takers: dict[PageTaker, int] = dict.fromkeys([*held, flusher], 0)
        log = log.only(read_by(projections))
        await fan_out(log, takers, batch_size=batch_size, on_progress=on_progress)
        # The most in hand first: it takes longest.
        finishing = sorted(held, key=lambda scratch: -len(scratch.events))
        await _side_by_side(finishing, lambda scratch: _finish(live, scratch, log, batch_size))
    finally:
        for scratch in scratches.values():
            await scratch.discard()
    return failed


async def _finish(live: ReadModelStore, scratch: _Scratch, log: EventLog, batch_size: int) -> None:
    """Apply a projection's events still in hand, then swap its copy in (unless it failed)."""
    await scratch.flush()
    projection = scratch.projection
    if projection.name in scratch.failed:
        return
    try:
        await swap(live, scratch.store, projection, log, batch_size=batch_size)
    except ProjectionFailed as exc:
        await scratch.fail(exc)


async def _side_by_side(
    items: Iterable[Item], step: Callable[[Item], Awaitable[None]], at_once: int = FINISHING
) -> None:
    """`step` of each item, up to `at_once` at a time; the first error cancels the others
    (awaited) and propagates as it is."""
    gate = asyncio.Semaphore(at_once)

    async def gated(item: Item) -> None:
        async with gate:
            await step(item)

    tasks = [asyncio.ensure_future(gated(item)) for item in items]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class _Scratch:
    """A projection's scratch copy taking the pages of `rebuild_all`: it keeps its events in
    hand until `_Flusher` has them applied; it records its failure."""

    def __init__(
        self, store: ReadModelStore, projection: Projection, failed: dict[str, ProjectionFailed]
    ) -> None:
        self.store, self.projection, self.failed = store, projection, failed
        self.events: list[TopicEvent] = []
        self._last = 0  # the position the events in hand reach
        self._count = 0

    async def take(self, page: LogPage) -> bool:
        if self.projection.name in self.failed:
            return False
        reads = self.projection.reads
        self.events.extend(e for e in page.events if reads(e[0], e[1].type))
        self._last, self._count = page.last, self._count + page.count
        return True

    async def flush(self) -> None:
        """Apply the events in hand in one transaction (unless the projection failed)."""
        if self.projection.name in self.failed or not self._count:
            return
        page = LogPage(self.events, self._last, self._count)
        self.events, self._count = [], 0
        try:
            await apply_page(self.store, self.projection, page)
        except ProjectionFailed as exc:
            await self.fail(exc)

    async def fail(self, failed: ProjectionFailed) -> None:
        self.failed[self.projection.name] = failed


class _Flusher:
    """The last taker of each page: once the projections hold `hold` events, each applies its
    own in one transaction.

    A row that several events change (a need's lifecycle spans many pages) is then written once
    per flush instead of once per page, while the events held stay bounded. An event several
    projections read is held once (they share the object), so it counts once.

    Near `head` (the log's head when the rebuild began) it flushes once more, early, so that
    what is left for after the last page is at most about `TAIL` events: what is applied after
    the read has nothing to overlap with (the next page's read and decoding), and a full hold
    left for then kept a process of the 1M fill's rebuild busy 16 s after its last page.
    """

    def __init__(
        self, scratches: Sequence[_Scratch], hold: int, head: int, tail: int = TAIL
    ) -> None:
        self.scratches, self.hold, self.head = scratches, hold, head
        self.held = 0
        self.seen = 0  # events held since the start, to tell how many are still to come
        self.tail = min(hold, tail)

    async def take(self, page: LogPage) -> bool:
        # The log read only types these projections read: each of its events is held.
        self.held += len(page.events)
        self.seen += len(page.events)
        to_come = self.seen * max(self.head - page.last, 0) // max(page.last, 1)
        if self.held >= self.hold or (self.held > self.tail >= to_come > 0):
            await self.flush()
        return any(s.projection.name not in s.failed for s in self.scratches)

    async def flush(self) -> None:
        self.held = 0
        for scratch in self.scratches:
            await scratch.flush()

    async def fail(self, failed: ProjectionFailed) -> None:
        """Each projection is told by `fan_out` itself."""


async def ensure_current(
    store: ReadModelStore, projection: Projection, log: EventLog, *, batch_size: int = BATCH_SIZE
) -> None:
    """Before a feed starts: build a projection never built, rebuild one of another version.

    A projection whose failure is recorded stays as it is until it is rebuilt."""
    await store.create(projection)
    if failure_of(projection, await read_failures(store)) is not None:
        return
    state = await store.state(projection.name)
    if state is None:
        await catch_up(store, projection, log, batch_size=batch_size)
    elif state.version != projection.version:
        await rebuild(store, projection, log, batch_size=batch_size)
