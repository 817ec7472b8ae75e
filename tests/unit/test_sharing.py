"""A rebuild's projections shared among processes: each once, the groups' work balanced, and
projections reading the same types kept together so few events are decoded twice."""

from __future__ import annotations

import pytest

from marketplace.demo import seed_demo
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.projections import (
    catalog_search,
    contract_list,
    inbox,
    needs_board,
    report_facts,
    supplier_quality,
    trade_volume,
)
from marketplace.projections.projection import read_by
from marketplace.projections.registry import PROJECTIONS
from marketplace.projections.sharing import APPLY_COST, cost, sample_types, share
from tests.unit.handlers.world import World

NEEDS = {n: 10.0 for n, k in PUBLIC_TYPES.items() if k.topic == "marketplace.needs"}
CONTRACTS = {n: 10.0 for n, k in PUBLIC_TYPES.items() if k.topic == "marketplace.contracts"}
TWO_KINDS = [
    inbox.PROJECTION,
    trade_volume.PROJECTION,
    needs_board.PROJECTION,
    contract_list.PROJECTION,
    supplier_quality.PROJECTION,
]


def test_projections_reading_the_same_types_go_together() -> None:
    groups = share(TWO_KINDS, NEEDS | CONTRACTS, 2)
    names = [{p.name for p in group} for group in groups]
    assert {"inbox", "needs_board"} in names
    assert {"trade_volume", "contract_list", "supplier_quality"} in names
    # Round robin would decode the needs (or the contracts) in both processes.
    assert max(cost(g, NEEDS | CONTRACTS) for g in groups) < max(
        cost(TWO_KINDS[i::2], NEEDS | CONTRACTS) for i in range(2)
    )


def test_every_projection_once_in_at_most_jobs_groups_none_empty() -> None:
    weights = NEEDS | CONTRACTS
    for jobs in (1, 2, 3, 8, 40):
        groups = share(PROJECTIONS, weights, jobs)
        assert len(groups) == min(jobs, len(PROJECTIONS))
        assert all(groups)
        placed = [p.name for group in groups for p in group]
        assert sorted(placed) == sorted(p.name for p in PROJECTIONS)
        assert share(PROJECTIONS, weights, jobs) == groups  # the same weights, the same shares


def test_a_heavy_projection_gets_a_process_of_its_own() -> None:
    weights = {"marketplace.catalog_version.entry_approved.v1": 1000.0, **NEEDS, **CONTRACTS}
    groups = share([catalog_search.PROJECTION, *TWO_KINDS], weights, 2)
    assert [catalog_search.PROJECTION] in groups


def test_the_sample_counts_the_public_types_spread_over_the_log() -> None:
    world = World()
    seed_demo(world.svc)
    head = world.store.head()
    found = sample_types(world.store, samples=50)
    assert 30 <= sum(found.values()) <= 51  # internal events (tokens, seals) are not counted
    assert set(found) <= set(PUBLIC_TYPES)
    everything = sample_types(world.store, samples=head)
    assert sum(everything.values()) <= head
    assert "marketplace.unit.registered.v1" in everything


def test_each_measured_cost_names_a_projection() -> None:
    assert set(APPLY_COST) <= {p.name for p in PROJECTIONS}
    assert all(0 < c < 10 for c in APPLY_COST.values())


def test_a_projection_is_weighed_at_its_measured_cost_of_applying() -> None:
    weights = NEEDS | CONTRACTS
    for projection, apply in ((report_facts.PROJECTION, 1.35), (inbox.PROJECTION, 1.1)):
        read = sum(weights.get(t, 0.0) for t in read_by([projection]))
        assert read > 0
        assert cost([projection], weights) == pytest.approx(read * (1 + apply))
    # Unmeasured: applying costs what decoding does.
    read = sum(weights.get(t, 0.0) for t in read_by([needs_board.PROJECTION]))
    assert cost([needs_board.PROJECTION], weights) == pytest.approx(2 * read)
