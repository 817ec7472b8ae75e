"""Bring a projection up to the event store's head, in batches, from its tracked position."""

from __future__ import annotations

from collections.abc import Callable

from marketplace.projections.event_log import EventLog
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tracking import apply_log_batch

BATCH_SIZE = 500
Progress = Callable[[int], None]


async def catch_up(
    store: ReadModelStore,
    projection: Projection,
    log: EventLog,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> int:
    """Apply the log after the tracked position; the position reached. Cheap when there's no lag."""
    state = await store.state(projection.name)
    position = state.position if state else 0
    while (page := await log.read(position, batch_size)) is not None:
        await apply_log_batch(store, projection, page.events, page.last)
        position = page.last
        if on_progress:
            on_progress(position)
        if page.count < batch_size:
            break
    return position
