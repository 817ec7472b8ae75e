"""Rebuild a projection from the event store into a scratch schema or file, then swap it in."""

from __future__ import annotations

from marketplace.projections.catch_up import BATCH_SIZE, Progress, catch_up
from marketplace.projections.event_log import EventLog
from marketplace.projections.failures import failure_of, read_failures
from marketplace.projections.projection import Projection
from marketplace.projections.store import ProjectionState, ReadModelStore


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
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> ProjectionState:
    """Replay the whole store into a fresh sibling of `live`, then swap it in.

    Readers of `live` keep the old rows until the swap commits.
    """
    scratch = await live.scratch(projection)
    try:
        await catch_up(scratch, projection, log, batch_size=batch_size, on_progress=on_progress)
        await swap(live, scratch, projection, log, batch_size=batch_size)
    finally:
        await scratch.discard()
    state = await live.state(projection.name)
    assert state is not None
    return state


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
