"""The collector's settings for batch jobs: paused inside, as it was after, cycles freed."""

from __future__ import annotations

import gc
import weakref

from marketplace.heap import collector_paused


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_the_collector_is_paused_inside_and_restored_with_the_cycles_collected() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle only the collector frees
        alive = weakref.ref(first)
        del first, second
        assert alive() is not None
    assert gc.isenabled()
    assert alive() is None


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
