"""A rebuild's last steps: an early flush leaves little to apply after the last page, and the
projections finish side by side, the first error stopping the others."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from marketplace.projections.event_log import LogPage
from marketplace.projections.rebuild import _Flusher, _side_by_side


@dataclass
class Held:
    """Stands in for a projection's scratch copy: counts its flushes."""

    name: str = "p"
    failed: dict[str, Any] = field(default_factory=dict)
    flushed_at: list[int] = field(default_factory=list)
    projection: Any = None

    def __post_init__(self) -> None:
        self.projection = self

    async def flush(self) -> None:
        self.flushed_at.append(self.at)

    at = 0


async def feed(flusher: _Flusher, held: Held, head: int, page: int) -> int:
    """Pages of `page` events up to `head`; what is still held after the last."""
    for last in range(page, head + 1, page):
        held.at = last
        await flusher.take(LogPage([("t", None)] * page, last, page))  # type: ignore[list-item]
    return flusher.held


async def test_the_last_flush_before_the_end_leaves_at_most_the_tail() -> None:
    held = Held()
    flusher = _Flusher([held], hold=500, head=1000, tail=100)  # type: ignore[list-item]
    left = await feed(flusher, held, head=1000, page=10)
    # At the hold, then once no more than the tail is still to come.
    assert held.flushed_at == [500, 900]
    assert left == 100


async def test_a_hold_no_bigger_than_the_tail_flushes_only_at_the_hold() -> None:
    held = Held()
    flusher = _Flusher([held], hold=100, head=1000, tail=200)  # type: ignore[list-item]
    left = await feed(flusher, held, head=1000, page=10)
    assert held.flushed_at == list(range(100, 1001, 100))
    assert left == 0


async def test_past_the_head_it_began_with_it_flushes_only_at_the_hold() -> None:
    held = Held()
    flusher = _Flusher([held], hold=500, head=300, tail=100)  # type: ignore[list-item]
    # Events written during the rebuild: once near the head it knew, then at the hold.
    left = await feed(flusher, held, head=1000, page=10)
    assert held.flushed_at == [200, 700]
    assert left == 300


async def test_finishing_side_by_side_runs_each_and_at_most_so_many_at_once() -> None:
    running, most, done = 0, 0, []

    async def step(n: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        running -= 1
        done.append(n)

    await _side_by_side(range(10), step, at_once=3)
    assert sorted(done) == list(range(10)) and most == 3


async def test_the_first_error_stops_the_others_and_propagates_as_it_is() -> None:
    stopped: list[int] = []

    async def step(n: int) -> None:
        if n == 0:
            raise ConnectionError("the database went away")
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            stopped.append(n)
            raise

    with pytest.raises(ConnectionError, match="went away"):
        await _side_by_side(range(4), step, at_once=4)
    assert sorted(stopped) == [1, 2, 3]
