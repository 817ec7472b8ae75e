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
    """Stands in for a projection's scratch copy (and its projection): where it was flushed."""

    name: str = "p"
    failed: dict[str, Any] = field(default_factory=dict)
    flushed_at: list[int] = field(default_factory=list)
    at: int = 0  # the last position fed

    @property
    def projection(self) -> Held:
        return self

    async def flush(self) -> None:
        self.flushed_at.append(self.at)


@pytest.mark.parametrize(
    ("hold", "head", "tail", "flushed_at", "left"),
    [
        # At the hold, then once no more than the tail is still to come.
        (500, 1000, 100, [500, 900], 100),
        # A hold no bigger than the tail: only at the hold.
        (100, 1000, 200, list(range(100, 1001, 100)), 0),
        # Events written during the rebuild: once near the head it knew, then at the hold.
        (500, 300, 100, [200, 700], 300),
    ],
    ids=["leaves-at-most-the-tail", "hold-within-the-tail", "log-grown-past-its-head"],
)
async def test_where_the_flushes_fall(
    hold: int, head: int, tail: int, flushed_at: list[int], left: int
) -> None:
    held = Held()
    flusher = _Flusher([held], hold=hold, head=head, tail=tail)  # type: ignore[list-item]
    for last in range(10, 1001, 10):  # pages of 10 events up to position 1,000
        held.at = last
        await flusher.take(LogPage([("t", None)] * 10, last, 10))  # type: ignore[list-item]
    assert held.flushed_at == flushed_at
    assert flusher.held == left


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
