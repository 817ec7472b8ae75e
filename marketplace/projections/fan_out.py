"""One read of the event log fanned out to many projections, each from its own position."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Protocol, TypeVar

from marketplace.projections.catch_up import BATCH_SIZE, Progress, read_page
from marketplace.projections.event_log import EventLog, LogPage
from marketplace.projections.failures import ProjectionFailed


class PageTaker(Protocol):
    """A projection fed by `fan_out`."""

    async def take(self, page: LogPage) -> bool:
        """Apply `page`; False when this projection takes no more pages (failed, stale)."""
        ...

    async def fail(self, failed: ProjectionFailed) -> None:
        """The log holds an event no projection can decode (`failed.position`)."""
        ...


Taker = TypeVar("Taker", bound=PageTaker)


async def fan_out(
    log: EventLog,
    positions: Mapping[Taker, int],
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> None:
    """Read the log once, from the lowest of `positions` to its head, and hand each page to
    every taker whose position it goes past: each event is read and decoded once, not once
    per projection. A taker that stops is handed nothing more; the others go on. Errors of
    `take` (outages) and of reading the log propagate.
    """
    at = dict(positions)
    if not at:
        return
    # The next page is read (in a thread, decoding included) while this one is applied.
    next_page = asyncio.ensure_future(read_page(log, min(at.values()), batch_size))
    try:
        while at:
            try:
                page = await next_page
            except ProjectionFailed as failed:
                for taker in at:
                    await taker.fail(failed)
                return
            if page is None:
                return
            full = page.count >= batch_size
            if full:
                next_page = asyncio.ensure_future(read_page(log, page.last, batch_size))
            for taker, position in list(at.items()):
                if position >= page.last:
                    continue  # ahead of this page (read-your-writes fed it already)
                if await taker.take(page):
                    at[taker] = page.last
                else:
                    del at[taker]
            if on_progress:
                on_progress(page.last)
            if not full:
                return
    finally:
        if not next_page.done():
            next_page.cancel()
            # Whatever that read met, it is not this read's outcome (which is propagating).
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await next_page
