"""Fixtures of the handler tests: a fresh in-memory world, bare, with the demo chart, or with
the demo market (chart and published catalog)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.handlers.world import World, demo_group, demo_market


@pytest.fixture
def world() -> Iterator[World]:
    """An empty store: no organisation yet."""
    opened = World()
    yield opened
    opened.close()


@pytest.fixture
def market(world: World) -> World:
    """The demo group's chart and its published 2027H1 catalog."""
    return demo_market(world)


@pytest.fixture
def group(world: World) -> World:
    """The demo group's chart only: no catalog yet."""
    return demo_group(world)
