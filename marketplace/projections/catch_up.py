"""Bring a projection up to the event store's head, in batches, from its tracked position."""

from __future__ import annotations

from collections.abc import Callable

from marketplace.adapters.outages import is_outage
from marketplace.log import get_logger
from marketplace.projections.event_log import EventLog, LogPage, UnreadableEvent
from marketplace.projections.failures import ProjectionFailed
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore, StaleProjection
from marketplace.projections.tracking import apply_log_batch

BATCH_SIZE = 500
Progress = Callable[[int], None]
logger = get_logger(__name__)


async def catch_up(
    store: ReadModelStore,
    projection: Projection,
    log: EventLog,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> int:
    """Apply the log after the tracked position; the position reached. Cheap when there's no lag.

    Raises `ProjectionFailed` at the first event that cannot be applied for another reason than
    an outage (the events before it are applied); outages propagate as they are.
    """
    state = await store.state(projection.name)
    position = state.position if state else 0
    while (page := await read_page(log, position, batch_size)) is not None:
        await apply_page(store, projection, page)
        position = page.last
        if on_progress:
            on_progress(position)
        if page.count < batch_size:
            break
    return position


async def read_page(log: EventLog, after: int, limit: int) -> LogPage | None:
    """`log.read`, an event that cannot be decoded failing every projection that reads it."""
    try:
        return await log.read(after, limit)
    except UnreadableEvent as exc:
        raise ProjectionFailed(exc.position, exc.__cause__ or exc) from exc


async def apply_page(store: ReadModelStore, projection: Projection, page: LogPage) -> None:
    """Apply one page read from the log (in one transaction, or event by event if that fails).

    Raises `ProjectionFailed` at the first event that cannot be applied for another reason than
    an outage; `StaleProjection` and outages propagate as they are.
    """
    try:
        await apply_log_batch(store, projection, page.events, page.last)
    except (StaleProjection, ProjectionFailed):
        raise
    except Exception as exc:
        if is_outage(exc):
            raise
        await _one_by_one(store, projection, page, exc)


async def _one_by_one(
    store: ReadModelStore, projection: Projection, page: LogPage, batch_error: Exception
) -> None:
    """Apply a failed batch one event per transaction, to stop exactly at the failing event."""
    for topic, event in page.events:
        if not projection.reads(topic, event.type):
            continue
        try:
            await apply_log_batch(store, projection, [(topic, event)], event.sequence)
        except StaleProjection:
            raise
        except Exception as exc:
            if is_outage(exc):
                raise
            # Tracked up to just before it: the position says where the projection stopped.
            await apply_log_batch(store, projection, [], event.sequence - 1)
            raise ProjectionFailed(event.sequence, exc) from exc
    await apply_log_batch(store, projection, [], page.last)
    # Each event alone went through: the batch's error did not come back.
    logger.warning(
        "projection_batch_failed_once", projection=projection.name, error=repr(batch_error)
    )
