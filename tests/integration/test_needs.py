"""Needs to contracts on both stores: atomic saves, refusals that leave no trace, the inbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.contract import Contract
from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.offer import Offer, OfferStatus
from marketplace.demo import organisation_yaml, seed_catalog
from marketplace.handlers import needs, tenders
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.handlers.unit_import import import_units
from marketplace.projections import inbox
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import ReadModelStore
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import replayed_into


def operator(unit: str) -> Principal:
    return Principal(f"tok_{unit}", unit, frozenset({Role.UNIT_OPERATOR}))


@pytest.fixture
def market(svc: Services) -> Services:
    svc.clock = lambda: datetime(2027, 3, 1, 9, tzinfo=UTC)
    import_units(svc, Actor(None, "cli"), organisation_yaml())
    seed_catalog(svc, HQ_ADMIN)
    return svc


def steam(quantity: str = "1200") -> NeedSpec:
    return NeedSpec(
        "COAL-01",
        "Steam",
        "product",
        "heat",
        "STEAM-LP",
        Decimal(quantity),
        "t",
        date(2027, 4, 1),
        Decimal("230000.00"),
        "regular",
        "direct",
    )


def terms(price: str) -> needs.OfferTerms:
    return needs.OfferTerms(
        Decimal(price), Decimal("1200"), date(2027, 3, 20), datetime(2027, 3, 10, tzinfo=UTC)
    )


async def inbox_of(svc: Services, tmp_path: Path, unit: str) -> list[str]:
    async def read(reader: ReadModelStore) -> list[str]:
        page = await inbox.actionable(reader, unit, svc.clock(), PageRequest())
        return [r["need_id"] for r in page.items]

    return await replayed_into(svc.store, tmp_path / "rm.db", (inbox.PROJECTION,), read)


@pytest.mark.both_stores
async def test_an_award_saves_need_offers_and_contract_together(
    market: Services, tmp_path: Path
) -> None:
    need = needs.post_need(market, operator("COAL-01"), steam())
    assert need.matched_supplier_ids == ["HEAT-02", "PWR-01"]
    assert await inbox_of(market, tmp_path, "PWR-01") == [need.id]
    heat = needs.submit_offer(market, operator("HEAT-02"), need.id, "HEAT-02", terms("184.00"))
    power = needs.submit_offer(market, operator("PWR-01"), need.id, "PWR-01", terms("179.50"))
    contract = needs.award(market, operator("COAL-01"), need.id, power.id)
    stored = market.store.get(contract.id, Contract)
    loser = market.store.get(heat.id, Offer)
    assert stored is not None and stored.amount == Decimal("215400.00")
    assert loser is not None and loser.status is OfferStatus.NOT_AWARDED
    assert needs.load_need(market, need.id).contract_id == contract.id
    assert await inbox_of(market, tmp_path, "PWR-01") == []


async def test_refused_commands_leave_no_trace(market: Services, tmp_path: Path) -> None:
    need = needs.post_need(market, operator("COAL-01"), steam())
    offer = needs.submit_offer(market, operator("PWR-01"), need.id, "PWR-01", terms("180"))
    head = market.store.head()
    late = market.clock() + timedelta(days=30)
    market.clock = lambda: late  # past the offer's valid_until
    with pytest.raises(DomainError) as info:
        needs.award(market, operator("COAL-01"), need.id, offer.id)
    assert info.value.code == "offer_not_available"
    with pytest.raises(DomainError):
        needs.submit_offer(market, operator("COAL-01"), need.id, "COAL-01", terms("1"))
    assert market.store.head() == head
    assert needs.load_need(market, need.id).status.value == "open"
    assert await inbox_of(market, tmp_path, "PWR-01") == [need.id]


@pytest.mark.both_stores
async def test_the_inbox_count_is_the_number_of_actionable_needs_up_to_its_limit(
    market: Services, tmp_path: Path
) -> None:
    """Matched open needs, awarded and cancelled ones, a tender with invitees (one invitee not
    a catalog supplier, one also matched to it): the badge's count equals the list's length."""
    for _ in range(3):
        needs.post_need(market, operator("COAL-01"), steam())
    awarded = needs.post_need(market, operator("COAL-01"), steam())
    offer = needs.submit_offer(market, operator("HEAT-02"), awarded.id, "HEAT-02", terms("184"))
    needs.award(market, operator("COAL-01"), awarded.id, offer.id)
    needs.cancel_need(
        market,
        operator("COAL-01"),
        needs.post_need(market, operator("COAL-01"), steam()).id,
        "plans",
    )
    tendered = needs.post_need(market, operator("COAL-01"), replace(steam(), sourcing="tender"))
    tenders.launch_tender(
        market, operator("COAL-01"), tendered.id, ["HEAT-02", "PWR-01", "ENG-01"],
        market.clock() + timedelta(days=1), "lowest_price", Decimal(0), None,
    )  # fmt: skip
    late = needs.post_need(market, operator("COAL-01"), replace(steam(), sourcing="tender"))
    tenders.launch_tender(
        market, operator("COAL-01"), late.id, ["HEAT-02", "PWR-01"],
        market.clock() + timedelta(hours=1), "lowest_price", Decimal(0), None,
    )  # fmt: skip
    market.clock = lambda: datetime(2027, 3, 1, 11, tzinfo=UTC)  # the second one's bids closed

    async def compare(reader: ReadModelStore) -> list[int]:
        counts = []
        for unit in ("HEAT-02", "PWR-01", "ENG-01", "COAL-01"):
            page = await inbox.actionable(reader, unit, market.clock(), PageRequest(limit=500))
            listed = len(page.items)
            assert await inbox.count_actionable(reader, unit, market.clock(), 500) == listed
            for up_to in (1, 2, listed, listed + 1):
                found = await inbox.count_actionable(reader, unit, market.clock(), up_to)
                assert found == min(listed, up_to), (unit, up_to)
            counts.append(listed)
        return counts

    counts = await replayed_into(market.store, tmp_path / "rm.db", (inbox.PROJECTION,), compare)
    assert counts[:3] == [4, 4, 1] and counts[3] == 0  # 3 open + the tender; ENG-01: the tender
