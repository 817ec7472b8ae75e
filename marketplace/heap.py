"""The garbage collector's settings for a long-running process: start-up's heap left out of it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young collections after this many net allocations instead of 700: a rebuild or a busy API
# makes short-lived objects by the million, and most of them are gone before any collection.
_YOUNG_THRESHOLD = 50_000


def settle_after_start_up() -> None:
    """Freeze what start-up made (modules, models, schemas) and collect the young less often.

    Measured on `projections rebuild` of 15k events: the collector took a third of its CPU,
    mostly re-walking these long-lived objects in every full collection. Call it once, when
    the process has built what it keeps and before the work starts.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(_YOUNG_THRESHOLD, middle, old)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collections inside: for a bounded batch job such as a rebuild.

    Its objects are freed by reference counting as it goes; what it keeps in reference cycles is
    collected at the end. Measured on `projections rebuild` of 1M events: 147 CPU-s instead of
    161, and the same peak RSS (so it made no garbage that only the collector frees).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()
