"""Joint procurement by the handlers on a real store: the transformers of three power plants
pooled by their platform (hand-computed: shares, the total need, the award, three share
contracts, trade volume by trade form and by demand unit, the saving of pooling); a pool put
out to tender; buying part outside on the lead's platform's approval (pro rata parts); and
refusals that leave no trace."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketplace.adapters.seal import AesGcmSealer
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.contract import Contract, ContractStatus, TradeForm
from marketplace.aggregates.joint_procurement import JointProcurement, PoolStatus
from marketplace.aggregates.need import Ground
from marketplace.handlers import contracts, external_sourcing, needs, tenders
from marketplace.handlers import joint_procurement as pools
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import AppError, Forbidden, InvalidField
from marketplace.handlers.ports import Services
from marketplace.projections import joint_procurement_list, trade_volume
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import ReadModelStore
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import replayed_into
from tests.integration.test_needs import market, operator  # noqa: F401

PWR = Principal("tok_pwr", "PWR", frozenset({Role.PLATFORM_ADMIN}))
SHARES = [("PWR-01", "6", "570000.00"), ("PWR-02", "3", "300000.00"), ("PWR-03", "2", "200000.00")]
D = Decimal


def transformers(svc: Services, *, join_days: int = 7) -> JointProcurement:
    """PWR's pool of TRF-1250KVA (98,000.00 a piece, 92,000.00 from 5, 88,000.00 from 10)."""
    return pools.open_pool(
        svc,
        PWR,
        pools.OpenPool(
            "TRF-1250KVA",
            "pc",
            "Transformers",
            svc.clock() + timedelta(days=join_days),
            required_by=date(2027, 5, 1),
        ),
    )


def joined(svc: Services) -> JointProcurement:
    pool = transformers(svc)
    for unit, quantity, budget in SHARES:
        pool = pools.join(svc, operator(unit), pool.id, unit, D(quantity), D(budget))
    return pool


def offer(svc: Services, need_id: str, quantity: str = "11", unit: str = "ENG-02") -> str:
    terms = needs.OfferTerms(
        D("87500.00"), D(quantity), date(2027, 4, 20), svc.clock() + timedelta(days=10)
    )
    return needs.submit_offer(svc, operator(unit), need_id, unit, terms).id


def share_contracts(svc: Services, pool_id: str) -> list[Contract]:
    pool = svc.store.get(pool_id, JointProcurement)
    assert pool is not None
    found = [svc.store.get(c.contract_id, Contract) for c in pool.contracts.values()]
    return [c for c in found if c is not None]


@pytest.mark.both_stores
async def test_three_plants_buy_transformers_together(market: Services, tmp_path: Path) -> None:  # noqa: F811
    pool = joined(market)
    assert (pool.total_quantity, pool.total_budget) == (D(11), D("1070000.00"))
    pool, need = pools.launch(market, PWR, pool.id, "direct", None)
    assert (need.demand_unit_id, need.spec.quantity, need.spec.budget_amount) == (
        "PWR",
        D(11),
        D("1070000.00"),
    )
    assert (need.spec.pool_id, need.matched_supplier_ids) == (pool.id, ["ENG-02"])
    first = needs.award(market, PWR, need.id, offer(market, need.id))
    made = share_contracts(market, pool.id)
    assert [(c.demand_unit_id, c.quantity, c.amount) for c in made] == [
        ("PWR-01", D(6), D("525000.00")),  # 6 x 87,500.00
        ("PWR-02", D(3), D("262500.00")),
        ("PWR-03", D(2), D("175000.00")),
    ]
    assert {(c.supply_unit_id, c.need_id, c.trade_form, c.source_id) for c in made} == {
        ("ENG-02", need.id, TradeForm.JOINT, pool.id)
    }
    assert first.id == made[0].id == needs.load_need(market, need.id).contract_id
    for c in made:  # each plant signs its own contract
        contracts.sign(market, operator("ENG-02"), c.id, None)
        contracts.sign(market, operator(c.demand_unit_id), c.id, None)
    assert {c.status for c in share_contracts(market, pool.id)} == {ContractStatus.ACTIVE}

    async def read(reader: ReadModelStore) -> dict[str, Any]:
        return {
            form: await trade_volume.volume(reader, form, None, None)
            for form in ("trade_form", "demand_unit")
        }

    volume = await replayed_into(market.store, tmp_path / "tv.db", (trade_volume.PROJECTION,), read)
    assert [(r["key"], r["contracts"], r["amount"]) for r in volume["trade_form"]] == [
        ("joint", 3, "962500.00")
    ]
    assert [(r["key"], r["amount"]) for r in volume["demand_unit"]] == [
        ("PWR-01", "525000.00"),
        ("PWR-02", "262500.00"),
        ("PWR-03", "175000.00"),
    ]
    (saving,) = pools.read_pool(market, PWR, pool.id).savings
    assert (saving.saving.pooled_unit_price, saving.saving.saving) == (D("88000.00"), D(74000))
    assert [m.saving for m in saving.saving.members] == [D(24000), D(30000), D(20000)]


async def test_a_pool_put_out_to_tender_shares_out_the_winning_bid(market: Services) -> None:  # noqa: F811
    pool, need = pools.launch(market, PWR, joined(market).id, "tender", None)
    market.sealer = AesGcmSealer(os.urandom(32))
    deadline = market.clock() + timedelta(days=1)
    with pytest.raises(DomainError) as info:  # invitation compliance applies to the pool
        tenders.launch_tender(market, PWR, need.id, [], deadline, "lowest_price", D(0), None)
    assert info.value.code == "catalog_suppliers_not_invited"
    tender = tenders.launch_tender(
        market, PWR, need.id, ["ENG-02"], deadline, "lowest_price", D(0), None
    )
    bid = tenders.submit_bid(
        market, operator("ENG-02"), tender.id, "ENG-02", None, D("946000.00"), date(2027, 4, 20)
    )
    launched = market.clock()
    market.clock = lambda: launched + timedelta(days=2)
    tenders.open_bids(market, PWR, tender.id)
    tenders.award_tender(market, PWR, tender.id, bid.id, None)
    made = share_contracts(market, pool.id)
    assert [(c.demand_unit_id, c.unit_price, c.amount) for c in made] == [
        ("PWR-01", D(86000), D("516000.00")),  # 946,000.00 / 11 = 86,000.00 a piece
        ("PWR-02", D(86000), D("258000.00")),
        ("PWR-03", D(86000), D("172000.00")),
    ]
    assert {c.offer_id for c in made} == {bid.id}


async def test_part_bought_outside_on_the_platforms_approval_leaves_pro_rata_parts(
    market: Services,  # noqa: F811
) -> None:
    pool, need = pools.launch(market, PWR, joined(market).id, "direct", None)
    _, request = external_sourcing.request_external(
        market, PWR, need.id, Ground.INSUFFICIENT_FOR_URGENT_NEED, "Two are urgent.", D(2)
    )
    with pytest.raises(Forbidden):  # the plants cannot approve their pool's buying outside
        external_sourcing.decide_external(market, operator("PWR-01"), request, True, None)
    with pytest.raises(DomainError) as info:
        external_sourcing.close_external(market, PWR, need.id, "Outside Ltd")
    assert info.value.code == "external_sourcing_not_approved"
    external_sourcing.decide_external(market, PWR, request, True, None)
    external_sourcing.close_external(market, PWR, need.id, "Outside Ltd")
    needs.award(market, PWR, need.id, offer(market, need.id, "9"))
    made = share_contracts(market, pool.id)
    assert [(c.demand_unit_id, c.quantity) for c in made] == [
        ("PWR-01", D("4.9090")),  # 6 x 9 / 11, to 4 decimals down
        ("PWR-02", D("2.4545")),
        ("PWR-03", D("1.6365")),  # what rounding leaves: the parts add up to 9
    ]


async def test_refusals_leave_no_trace(market: Services) -> None:  # noqa: F811
    pool = joined(market)
    heat = Principal("tok_heat", "HEAT", frozenset({Role.PLATFORM_ADMIN}))
    head = market.store.head()
    refusals: list[tuple[Any, str]] = [
        (lambda: pools.join(market, operator("HEAT-01"), pool.id, "HEAT-01", D(1), D(1)),
         "forbidden"),  # outside the lead's reach
        (lambda: pools.join(market, operator("PWR-01"), pool.id, "PWR-02", D(1), D(1)),
         "forbidden"),  # for another unit
        (lambda: pools.launch(market, heat, pool.id, "direct", None), "forbidden"),
        (lambda: pools.launch(market, operator("PWR-01"), pool.id, "direct", None), "forbidden"),
        (lambda: pools.open_pool(market, operator("PWR-01"), _item(market)), "forbidden"),
        (lambda: pools.withdraw(market, operator("PWR-01"), pool.id, "PWR-03"), "forbidden"),
        (lambda: pools.withdraw(market, operator("PWR-01"), "jp_none", "PWR-01"), "not_found"),
    ]  # fmt: skip
    for act, code in refusals:
        with pytest.raises((AppError, DomainError)) as info:
            act()
        assert info.value.code == code
    assert market.store.head() == head
    undated = pools.open_pool(market, PWR, replace(_item(market), required_by=None))
    pools.join(market, operator("PWR-01"), undated.id, "PWR-01", D(1), D(1))
    head = market.store.head()
    with pytest.raises(InvalidField):
        pools.launch(market, PWR, undated.id, "direct", None)
    empty = transformers(market)
    head = market.store.head()
    with pytest.raises(DomainError) as info:
        pools.launch(market, PWR, empty.id, "direct", None)
    assert info.value.code == "pool_empty"
    opened = market.clock()
    market.clock = lambda: opened + timedelta(days=8)
    with pytest.raises(DomainError) as info:
        pools.join(market, operator("PWR-01"), pool.id, "PWR-01", D(1), D(1))
    assert info.value.code == "joining_closed"
    assert market.store.head() == head
    pools.withdraw(market, operator("PWR-03"), pool.id, "PWR-03")  # after the deadline: allowed
    _, need = pools.launch(market, PWR, pool.id, "direct", None)
    head = market.store.head()
    for act, code in [
        (lambda: pools.withdraw(market, operator("PWR-01"), pool.id, "PWR-01"), "pool_launched"),
        (lambda: needs.award(market, PWR, need.id, offer(market, need.id, "8")),
         "offer_short_of_pool"),
        (lambda: needs.award(market, PWR, need.id, offer(market, need.id, "9", "PWR-01")),
         "supplier_in_pool"),
    ]:  # fmt: skip
        before = market.store.head()
        with pytest.raises(DomainError) as info:
            act()
        assert info.value.code == code
        assert market.store.head() - before <= 2  # the offer made for the try, nothing else
    assert pools.read_pool(market, PWR, pool.id).pool.status is PoolStatus.LAUNCHED
    assert needs.load_need(market, need.id).contract_id is None


def _item(svc: Services) -> pools.OpenPool:
    return pools.OpenPool(
        "TRF-1250KVA", "pc", "More", svc.clock() + timedelta(days=3), required_by=date(2027, 5, 1)
    )


async def test_the_list_shows_each_unit_the_pools_it_may_join_or_is_in(
    market: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    led_by_pwr = joined(market)
    hq_pool = pools.open_pool(market, HQ_ADMIN, replace(_item(market), title="Group-wide"))
    heat_pool = pools.open_pool(
        market,
        Principal("tok_heat", "HEAT", frozenset({Role.PLATFORM_ADMIN})),
        replace(_item(market), title="Heat only"),
    )
    pools.launch(market, PWR, led_by_pwr.id, "direct", None)

    async def read(reader: ReadModelStore) -> dict[str, Any]:
        async def ids(units: set[str] | None, leads: set[str] | None, status: str | None) -> Any:
            page = await joint_procurement_list.pools_of(
                reader, units, leads, status, PageRequest()
            )
            return [(r["pool_id"], [s["unit_id"] for s in r["shares"]]) for r in page.items]

        return {
            "pwr-02": await ids({"PWR-02"}, {"PWR-02", "PWR", "HQ"}, None),
            "launched": await ids(None, None, "launched"),
            "all": await ids(None, None, None),
        }

    found = await replayed_into(
        market.store, tmp_path / "jp.db", (joint_procurement_list.PROJECTION,), read
    )
    members = ["PWR-01", "PWR-02", "PWR-03"]
    assert found["pwr-02"] == [(hq_pool.id, []), (led_by_pwr.id, members)]
    assert found["launched"] == [(led_by_pwr.id, members)]
    assert [p for p, _ in found["all"]] == [heat_pool.id, hq_pool.id, led_by_pwr.id]


@pytest.mark.both_stores
def test_shares_added_at_once_and_a_launch_racing_them_all_count(market: Services) -> None:  # noqa: F811
    """Plants joining at the same moment as the lead launches: each share is either in the
    need's total or refused as `pool_launched`, never lost."""
    pool = transformers(market)
    plants = ["PWR-01", "PWR-02", "PWR-03"]
    pools.join(market, operator("PWR-01"), pool.id, "PWR-01", D(1), D(1))

    def act(n: int) -> str:
        try:
            if n == len(plants):
                pools.launch(market, PWR, pool.id, "direct", None)
                return "launched"
            unit = plants[n]
            pools.join(market, operator(unit), pool.id, unit, D(n + 2), D(1))
            return "joined"
        except DomainError as refused:
            return refused.code

    with ThreadPoolExecutor(len(plants) + 1) as workers:
        outcomes = list(workers.map(act, range(len(plants) + 1)))
    assert outcomes[-1] == "launched"
    assert set(outcomes[:-1]) <= {"joined", "pool_launched"}
    launched = pools.read_pool(market, PWR, pool.id)
    assert launched.need is not None
    assert launched.need.spec.quantity == launched.pool.total_quantity
    counted = {u for u, o in zip(plants, outcomes, strict=False) if o == "joined"}
    assert set(launched.pool.shares) == counted | {"PWR-01"}
