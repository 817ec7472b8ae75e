"""Needs, offers, awards and external sourcing: given/when/then on the aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.aggregates.contract import Contract, ContractStatus
from marketplace.aggregates.directive import Directive
from marketplace.aggregates.need import Ground, Match, Need, NeedSpec, NeedStatus
from marketplace.aggregates.offer import Offer, OfferStatus
from tests.unit.org_fixtures import ACTOR

T = datetime(2027, 3, 1, 9, tzinfo=UTC)
LATER = T + timedelta(days=30)
MATCHES = [Match("e1", "HEAT-02", "STEAM-LP", "185.00"), Match("e2", "PWR-01", "STEAM-LP", None)]


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(DomainError) as info:
        yield
    assert info.value.code == code


def spec(**kw: Any) -> NeedSpec:
    fields: dict[str, Any] = {
        "demand_unit_id": "COAL-01",
        "title": "Process steam for methanol synthesis",
        "category": "product",
        "subcategory": "heat",
        "item_code": "STEAM-LP",
        "quantity": Decimal("1200"),
        "uom": "t",
        "required_by": date(2027, 4, 1),
        "budget_amount": Decimal("230000.00"),
        "business_type": "regular",
        "sourcing": "direct",
    }
    return NeedSpec(**(fields | kw))


def need(matches: list[Match] = MATCHES, **kw: Any) -> Need:
    n = Need.post("need-1", spec(**kw), {"demand_platform_id": "COAL"}, "cat-1", matches, ACTOR, T)
    return n


def offer(offer_id: str, supplier: str, price: str = "180.00", valid: datetime = LATER) -> Offer:
    return Offer.submit(
        offer_id,
        "need-1",
        "COAL-01",
        supplier,
        Decimal(price),
        Decimal("1200"),
        date(2027, 3, 20),
        valid,
        ACTOR,
        T,
    )


def test_a_need_records_its_matches_and_never_matches_the_demand_unit() -> None:
    n = need([*MATCHES, Match("e3", "COAL-01", "STEAM-LP", None)])
    assert n.status is NeedStatus.OPEN
    assert n.matched_supplier_ids == ["HEAT-02", "PWR-01"]
    (posted,) = n.collect_events()
    assert [m["supplier_unit_id"] for m in posted.matches] == ["HEAT-02", "PWR-01"]  # type: ignore[attr-defined]


def test_offers_come_in_and_the_award_picks_one() -> None:
    n = need()
    n.record_offer("o1", "HEAT-02", ACTOR, T)
    n.record_offer("o2", "PWR-01", ACTOR, T)
    with refused("offer_exists"):
        n.record_offer("o3", "PWR-01", ACTOR, T)
    n.award("o2", "PWR-01", "con-1", Decimal("216000.00"), ACTOR, T)
    assert n.status is NeedStatus.AWARDED and n.contract_id == "con-1"
    with refused("already_awarded"):
        n.award("o1", "HEAT-02", "con-2", Decimal("1"), ACTOR, T)
    with refused("need_not_open"):
        n.record_offer("o4", "SVC-01", ACTOR, T)


def test_the_demand_unit_cannot_offer_to_itself() -> None:
    with refused("self_supply"):
        offer("o1", "COAL-01")


def test_an_offer_expires_at_valid_until_judged_at_the_command() -> None:
    o = offer("o1", "HEAT-02", valid=T + timedelta(hours=1))
    assert o.status_at(T) is OfferStatus.OPEN
    assert o.status_at(T + timedelta(hours=2)) is OfferStatus.EXPIRED
    with refused("offer_not_available"):
        o.award("con-1", ACTOR, T + timedelta(hours=2))
    with refused("offer_already_expired"):
        offer("o2", "PWR-01", valid=T - timedelta(seconds=1))


def test_a_supplier_revises_its_open_offer_but_not_a_withdrawn_one() -> None:
    o = offer("o1", "HEAT-02")
    o.revise(Decimal("175.00"), Decimal("1000"), date(2027, 3, 25), LATER, ACTOR, T)
    assert o.unit_price == Decimal("175.00")
    o.withdraw(ACTOR, T)
    with refused("offer_not_available"):
        o.revise(Decimal("170.00"), Decimal("1000"), date(2027, 3, 25), LATER, ACTOR, T)
    with refused("offer_not_available"):
        o.award("con-1", ACTOR, T)


def test_losing_offers_are_marked_not_awarded() -> None:
    loser = offer("o1", "HEAT-02")
    loser.decline("o2", ACTOR, T)
    assert loser.status is OfferStatus.NOT_AWARDED


def test_a_catalog_item_goes_outside_only_on_an_approved_ground() -> None:
    n = need()
    with refused("external_sourcing_not_approved"):
        n.close_external("Outside Steam Ltd", ACTOR, T)
    n.request_external(
        "need-1-x1", Ground.NOT_AVAILABLE_INTERNALLY, "boiler outage", None, ACTOR, T
    )
    n.decide_external("need-1-x1", False, "HEAT-02 has capacity", "COAL", ACTOR, T)
    with refused("external_sourcing_not_approved"):
        n.close_external("Outside Steam Ltd", ACTOR, T)
    with refused("request_already_decided"):
        n.decide_external("need-1-x1", True, None, "COAL", ACTOR, T)
    n.request_external(
        "need-1-x2", Ground.HIGH_RISK_OR_SPECIAL_EQUIPMENT, "special grade", None, ACTOR, T
    )
    n.decide_external("need-1-x2", True, None, "COAL", ACTOR, T)
    n.close_external("Outside Steam Ltd", ACTOR, T)
    assert n.status is NeedStatus.CLOSED_EXTERNAL


def test_ground_two_lets_only_the_stated_quantity_go_outside() -> None:
    n = need()
    with refused("external_quantity_required"):
        n.request_external(
            "need-1-x1", Ground.INSUFFICIENT_FOR_URGENT_NEED, "urgent", None, ACTOR, T
        )
    with refused("external_quantity_required"):
        n.request_external(
            "need-1-x1", Ground.INSUFFICIENT_FOR_URGENT_NEED, "urgent", Decimal("1200"), ACTOR, T
        )
    n.request_external(
        "need-1-x1", Ground.INSUFFICIENT_FOR_URGENT_NEED, "urgent", Decimal("300"), ACTOR, T
    )
    n.decide_external("need-1-x1", True, None, "COAL", ACTOR, T)
    n.close_external("Outside Steam Ltd", ACTOR, T)
    assert n.status is NeedStatus.OPEN and n.open_quantity == Decimal("900")
    with refused("external_sourcing_not_approved"):  # the approval was used once
        n.close_external("Outside Steam Ltd", ACTOR, T)
    n.record_offer("o1", "HEAT-02", ACTOR, T)  # the rest stays open for internal offers


def test_an_uncatalogued_item_may_be_bought_outside_without_approval() -> None:
    n = need(matches=[], item_code="SPECIAL-VALVE")
    n.close_external("Valve Works", ACTOR, T)
    assert n.status is NeedStatus.CLOSED_EXTERNAL


def test_unknown_requests_are_not_found_and_cancel_closes() -> None:
    n = need()
    with pytest.raises(RecordNotFound):
        n.decide_external("need-1-x9", True, None, "COAL", ACTOR, T)
    n.cancel("plan changed", ACTOR, T)
    assert n.status is NeedStatus.CANCELLED
    with refused("need_not_open"):
        n.request_external("need-1-x1", Ground.NOT_AVAILABLE_INTERNALLY, "x", None, ACTOR, T)


def test_an_award_makes_a_contract_special_tasks_start_in_pricing() -> None:
    parties = {"demand_unit_id": "COAL-01", "supply_unit_id": "PWR-01"}
    regular = Contract.award(
        "con-1",
        "need-1",
        "o2",
        "COAL-01",
        "PWR-01",
        "regular",
        "STEAM-LP",
        Decimal("1200"),
        Decimal("180.005"),
        parties,
        ACTOR,
        T,
    )
    assert regular.status is ContractStatus.AWAITING_SIGNATURES
    assert regular.amount == Decimal("216006.00")
    special = Contract.award(
        "con-2",
        "need-2",
        "o9",
        "COAL-01",
        "PWR-01",
        "special_task",
        "STEAM-LP",
        Decimal("10"),
        Decimal("1"),
        parties,
        ACTOR,
        T,
    )
    assert special.status is ContractStatus.PRICING


def test_a_directive_names_two_units() -> None:
    with refused("self_supply"):
        Directive.approve("d1", "PWR-01", "PWR-01", "X", Decimal(1), "r", "PWR", ACTOR, T)


def market_cycle() -> list[Any]:
    """Every public need, offer, contract and directive event, in a plausible order."""
    d = Directive.approve(
        "d1", "COAL-01", "PWR-01", "STEAM-LP", Decimal("100"), "winter", "HQ", ACTOR, T
    )
    n = need()
    o1, o2 = offer("o1", "HEAT-02"), offer("o2", "PWR-01")
    n.record_offer("o1", "HEAT-02", ACTOR, T)
    n.record_offer("o2", "PWR-01", ACTOR, T)
    o1.revise(Decimal("179.00"), Decimal("1200"), date(2027, 3, 20), LATER, ACTOR, T)
    o3 = offer("o3", "SVC-01")
    n.record_offer("o3", "SVC-01", ACTOR, T)
    o3.withdraw(ACTOR, T)
    n.record_withdrawal("o3", ACTOR, T)
    n.request_external(
        "need-1-x1", Ground.INSUFFICIENT_FOR_URGENT_NEED, "urgent", Decimal("200"), ACTOR, T
    )
    n.decide_external("need-1-x1", True, None, "COAL", ACTOR, T)
    n.request_external("need-1-x2", Ground.BEYOND_INTERNAL_CAPABILITY, "x", None, ACTOR, T)
    n.decide_external("need-1-x2", False, "no", "COAL", ACTOR, T)
    n.close_external("Outside Steam Ltd", ACTOR, T)
    n.award("o2", "PWR-01", "con-1", Decimal("216000.00"), ACTOR, T)
    o2.award("con-1", ACTOR, T)
    o1.decline("o2", ACTOR, T)
    c = Contract.award(
        "con-1",
        "need-1",
        "o2",
        "COAL-01",
        "PWR-01",
        "regular",
        "STEAM-LP",
        Decimal("1200"),
        Decimal("180.00"),
        {"demand_platform_id": "COAL"},
        ACTOR,
        T,
    )
    other = need()
    other.cancel("duplicate", ACTOR, T)
    events: list[Any] = []
    for aggregate in (d, n, o1, o2, o3, c):
        events += aggregate.collect_events()
    return events + other.collect_events()[1:]


def test_two_ground_two_approvals_never_buy_more_than_is_open() -> None:
    n = need()
    for request_id, quantity in (("need-1-x1", "300"), ("need-1-x2", "1000")):
        n.request_external(
            request_id, Ground.INSUFFICIENT_FOR_URGENT_NEED, "urgent", Decimal(quantity), ACTOR, T
        )
        n.decide_external(request_id, True, None, "COAL", ACTOR, T)
    n.close_external("Outside Steam Ltd", ACTOR, T)
    assert n.open_quantity == Decimal("200")
    n.close_external("Outside Steam Ltd", ACTOR, T)  # the 300 approved earlier: only 200 open
    assert n.open_quantity == 0 and n.status is NeedStatus.CLOSED_EXTERNAL
    assert n.external_purchases[-1]["quantity"] == "200"


def test_an_award_declines_every_other_offer_still_standing() -> None:
    n = need()
    n.record_offer("o1", "HEAT-02", ACTOR, T)
    n.record_offer("o2", "PWR-01", ACTOR, T)
    n.record_offer("o3", "SVC-01", ACTOR, T)
    n.record_withdrawal("o3", ACTOR, T)
    assert n.losing_offers("o2") == ["o1"]  # not the winner, not the withdrawn one


def test_an_offers_amount_is_its_unit_price_times_quantity_in_cents() -> None:
    o = offer("o1", "HEAT-02", price="180.005")
    assert o.amount == Decimal("216006.00")
    assert offer("o2", "PWR-01", price="0.01").amount == Decimal("12.00")
