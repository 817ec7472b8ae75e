"""Joint procurement's rules (pure domain): joining until the deadline, a second share
replacing the first, withdrawing and launching once, pro rata parts, the saving on price tiers;
and the read model's reducer on the pool's own events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.aggregates.joint_procurement import (
    JointProcurement,
    PoolItem,
    PoolStatus,
    ShareContract,
)
from marketplace.aggregates.price_breaks import (
    PriceBreak,
    pooling_saving,
    tier_problem,
    unit_price_at,
)
from marketplace.events.public.joint_procurements import JointProcurementJoinedV1
from marketplace.events.wire import payload_of, to_cloud_event
from marketplace.projections import joint_procurement_list
from marketplace.projections.changes import Delete, Upsert
from tests.unit.org_fixtures import ACTOR, at

ITEM = PoolItem("TRF-1250KVA", "pc", "Transformers", "product", "other")
TIERS = (PriceBreak("5", "92000.00"), PriceBreak("10", "88000.00"))
D = Decimal


def opened(pool_id: str = "jp_1") -> JointProcurement:
    """Open until minute 60."""
    return JointProcurement.open(pool_id, "PWR", ITEM, at(60), ACTOR, at(0))


def joined(*shares: tuple[str, str]) -> JointProcurement:
    pool = opened()
    for unit, quantity in shares:
        pool.join(unit, D(quantity), D(quantity) * 100_000, ACTOR, at(1))
    return pool


def pool_cycle() -> list[Any]:
    """Every public pool event: a pool called off; three plants join another, one leaves, it is
    launched and awarded."""
    called_off = opened("jp_0")
    called_off.join("PWR-01", D(2), D(200_000), ACTOR, at(1))
    called_off.cancel("Each plant buys alone.", ACTOR, at(2))
    pool = joined(("PWR-01", "6"), ("PWR-02", "3"), ("PWR-03", "2"), ("PWR-04", "1"))
    pool.withdraw("PWR-04", ACTOR, at(2))
    pool.launch("need_1", "direct", ACTOR, at(3))
    contracts = [
        ShareContract(u, q, f"con_{u}", q * D("87500.00")) for u, q in pool.allocation(D(11))
    ]
    pool.record_award("ENG-02", D("87500.00"), contracts, ACTOR, at(4))
    return [*called_off.collect_events(), *pool.collect_events()]


def code_of(act: Any) -> str:
    with pytest.raises(DomainError) as info:
        act()
    return info.value.code


def test_the_join_deadline_must_be_ahead() -> None:
    assert code_of(lambda: JointProcurement.open("jp", "PWR", ITEM, at(0), ACTOR, at(0))) == (
        "join_until_in_past"
    )


def test_units_join_until_the_deadline_and_a_second_share_replaces_the_first() -> None:
    pool = joined(("PWR-01", "6"), ("PWR-02", "3"))
    pool.join("PWR-01", D(4), D(400_000), ACTOR, at(60))  # at the deadline itself: still in
    assert [(s.unit_id, s.quantity) for s in pool.shares.values()] == [
        ("PWR-01", D(4)),
        ("PWR-02", D(3)),
    ]
    assert (pool.total_quantity, pool.total_budget) == (D(7), D(700_000))
    late = lambda: pool.join("PWR-03", D(1), D(1), ACTOR, at(61))  # noqa: E731
    assert code_of(late) == "joining_closed"
    assert pool.joining_open(at(60)) and not pool.joining_open(at(61))


def test_the_joined_event_says_what_it_replaced_and_the_new_total() -> None:
    pool = joined(("PWR-01", "6"))
    pool.join("PWR-01", D(4), D(1), ACTOR, at(2))
    last = list(pool.collect_events())[-1]
    payload = payload_of(to_cloud_event(last, 3))
    assert isinstance(payload, JointProcurementJoinedV1)
    assert (payload.replaced, payload.total_quantity, payload.member_count) == (True, "4", 1)


def test_a_member_withdraws_before_the_launch_only() -> None:
    pool = joined(("PWR-01", "6"), ("PWR-02", "3"))
    pool.withdraw("PWR-02", ACTOR, at(2))
    assert list(pool.shares) == ["PWR-01"]
    with pytest.raises(RecordNotFound):
        pool.withdraw("PWR-02", ACTOR, at(2))
    pool.launch("need_1", "tender", ACTOR, at(3))
    assert pool.status is PoolStatus.LAUNCHED and not pool.joining_open(at(4))
    assert code_of(lambda: pool.withdraw("PWR-01", ACTOR, at(4))) == "pool_launched"
    assert code_of(lambda: pool.join("PWR-03", D(1), D(1), ACTOR, at(4))) == "pool_launched"
    assert code_of(lambda: pool.launch("need_2", "direct", ACTOR, at(4))) == "pool_launched"


def test_the_lead_calls_a_pool_off_before_its_launch_only() -> None:
    pool = joined(("PWR-01", "6"), ("PWR-02", "3"))
    pool.cancel("Each plant buys alone.", ACTOR, at(2))
    assert pool.status is PoolStatus.CANCELLED
    *_, cancelled = pool.collect_events()
    assert (cancelled.reason, cancelled.members) == ("Each plant buys alone.", ["PWR-01", "PWR-02"])
    for act in (
        lambda: pool.join("PWR-03", D(1), D(1), ACTOR, at(3)),
        lambda: pool.withdraw("PWR-01", ACTOR, at(3)),
        lambda: pool.launch("need_1", "direct", ACTOR, at(3)),
        lambda: pool.cancel("Again.", ACTOR, at(3)),
    ):
        assert code_of(act) == "pool_cancelled"
    launched = joined(("PWR-01", "6"))
    launched.launch("need_1", "direct", ACTOR, at(3))
    assert code_of(lambda: launched.cancel("Too late.", ACTOR, at(4))) == "pool_launched"


def test_an_empty_pool_is_not_launched() -> None:
    assert code_of(lambda: opened().launch("need_1", "direct", ACTOR, at(1))) == "pool_empty"


def test_the_award_needs_a_launched_pool() -> None:
    pool = joined(("PWR-01", "1"))
    award = lambda: pool.record_award("ENG-02", D(1), [], ACTOR, at(2))  # noqa: E731
    assert code_of(award) == "pool_not_launched"


def test_parts_are_the_shares_or_pro_rata_adding_up_exactly() -> None:
    pool = joined(("PWR-01", "6"), ("PWR-02", "3"), ("PWR-03", "2"))
    assert pool.allocation(D(11)) == [("PWR-01", D(6)), ("PWR-02", D(3)), ("PWR-03", D(2))]
    parts = pool.allocation(D(10))
    assert parts == [
        ("PWR-01", D("5.4545")),
        ("PWR-02", D("2.7272")),
        ("PWR-03", D("1.8183")),
    ]
    assert sum(q for _, q in parts) == D(10)


def test_the_award_records_each_members_contract() -> None:
    pool: Any = None
    for e in pool_cycle():  # replayed from its events, as the store loads it
        if e.originator_id == "jp_1":  # not the pool called off
            pool = e.mutate(pool)
    assert pool.status is PoolStatus.AWARDED and pool.unit_price == D("87500.00")
    assert {u: c.amount for u, c in pool.contracts.items()} == {
        "PWR-01": D("525000.00"),
        "PWR-02": D("262500.00"),
        "PWR-03": D("175000.00"),
    }


def test_a_quantity_reaches_the_last_tier_at_or_below_it() -> None:
    assert unit_price_at(D(4), "98000.00", TIERS) == D("98000.00")
    assert unit_price_at(D(5), "98000.00", TIERS) == D("92000.00")
    assert unit_price_at(D("9.9999"), "98000.00", TIERS) == D("92000.00")
    assert unit_price_at(D(11), "98000.00", TIERS) == D("88000.00")


def test_price_tiers_ascend_never_rise_and_need_a_reference_price() -> None:
    assert tier_problem("98000.00", TIERS) is None
    assert tier_problem(None, ()) is None
    assert "reference_price" in str(tier_problem(None, TIERS))
    assert "ascending" in str(tier_problem("98000.00", tuple(reversed(TIERS))))
    rising = (PriceBreak("5", "99000.00"),)
    assert "at most" in str(tier_problem("98000.00", rising))


def test_the_saving_of_pooling_prices_each_share_at_its_own_tier_and_the_totals() -> None:
    saving = pooling_saving(
        [("PWR-01", D(6)), ("PWR-02", D(3)), ("PWR-03", D(2))], "98000.00", TIERS
    )
    assert (saving.total_quantity, saving.pooled_unit_price) == (D(11), D("88000.00"))
    assert [(m.unit_id, m.alone_unit_price, m.saving) for m in saving.members] == [
        ("PWR-01", D("92000.00"), D("24000.00")),  # 6 x (92,000 - 88,000)
        ("PWR-02", D("98000.00"), D("30000.00")),  # 3 x (98,000 - 88,000)
        ("PWR-03", D("98000.00"), D("20000.00")),  # 2 x (98,000 - 88,000)
    ]
    assert saving.saving == D("74000.00")


def test_the_reducer_keeps_each_pools_shares_totals_and_contracts() -> None:
    events = [to_cloud_event(e, i) for i, e in enumerate(pool_cycle(), 1)]
    changes = [c for e in events for c in joint_procurement_list.apply(e)]
    shares = joint_procurement_list.SHARES.name
    removed = [c.key["unit_id"] for c in changes if isinstance(c, Delete)]
    assert removed == ["PWR-04"]
    pools = [c.values for c in changes if isinstance(c, Upsert) and c.table != shares]
    assert pools[0]["status"] == "open" and pools[-1]["status"] == "awarded"
    assert {"status": "cancelled"} in pools  # the pool called off
    assert [p["total_quantity"] for p in pools if "total_quantity" in p][-1] == D(11)
    contracts = {
        c.key["unit_id"]: c.values["contract_id"]
        for c in changes
        if isinstance(c, Upsert) and c.table == shares and "contract_id" in c.values
    }
    assert contracts["PWR-01"] == "con_PWR-01" and len(contracts) == 4  # PWR-04 joined: None
