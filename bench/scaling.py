"""What the growth benches share: one fresh embedded store per size, timings as p50 and p99,
and each size's p50 as a ratio of the first size's."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation


@dataclass(frozen=True)
class Figure:
    size: int
    p50_ms: float
    p99_ms: float
    ratio: float  # p50 over the first size's p50


def per_size(
    sizes: list[int], timed: Callable[[EventSourcingStore, int], list[float]]
) -> Iterator[Figure]:
    """`timed(store, size)` on a fresh SQLite store per size returns its timings in seconds."""
    baseline: float | None = None
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store = EventSourcingStore(StoreLocation(sqlite_path=Path(tmp) / "events.sqlite3"))
            try:
                took = sorted(timed(store, size))
            finally:
                store.close()
        p50 = statistics.median(took) * 1000
        baseline = baseline or p50
        yield Figure(size, p50, took[max(int(len(took) * 0.99) - 1, 0)] * 1000, p50 / baseline)


def sizes_of(text: str) -> list[int]:
    return [int(s) for s in text.split(",")]
