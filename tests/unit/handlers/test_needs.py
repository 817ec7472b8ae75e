"""Needs and offers: post (with catalog matching), offer, revise, withdraw, award, cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from marketplace.handlers import needs, units
from marketplace.handlers.errors import Forbidden, NotFound
from tests.unit.handlers.steps import awarded, offered, posted, steam, terms
from tests.unit.handlers.world import AUDITOR, HQ_ADMIN, World, operator, platform_admin


def test_a_posted_need_is_matched_to_the_catalog_suppliers_in_force(market: World) -> None:
    outcome = market.when(lambda s: needs.post_need(s, operator("COAL-01"), steam()))
    outcome.appended("Need.Posted")
    posted = outcome.event("Need.Posted")
    assert [m["supplier_unit_id"] for m in posted.matches] == ["HEAT-02", "PWR-01"]
    assert posted.context["demand_platform_id"] == "COAL"
    assert posted.catalog_version_id is not None


def test_a_need_for_an_uncatalogued_item_has_no_matches(market: World) -> None:
    spec = steam(item_code="NOT-IN-CATALOG")
    outcome = market.when(lambda s: needs.post_need(s, operator("COAL-01"), spec))
    assert outcome.event("Need.Posted").matches == []


def test_a_unit_never_matches_its_own_need(market: World) -> None:
    spec = steam(demand_unit_id="PWR-01")
    outcome = market.when(lambda s: needs.post_need(s, operator("PWR-01"), spec))
    assert [m["supplier_unit_id"] for m in outcome.event("Need.Posted").matches] == ["HEAT-02"]


def test_an_operator_posts_only_for_its_own_unit(market: World) -> None:
    outcome = market.when(lambda s: needs.post_need(s, operator("COAL-02"), steam()))
    outcome.refused("forbidden", Forbidden)


def test_a_platform_admin_posts_within_its_subtree_only(market: World) -> None:
    market.when(lambda s: needs.post_need(s, platform_admin("COAL"), steam())).appended(
        "Need.Posted"
    )
    outcome = market.when(lambda s: needs.post_need(s, platform_admin("PWR"), steam()))
    outcome.refused("forbidden", Forbidden)


def test_an_auditor_only_reads(market: World) -> None:
    market.when(lambda s: needs.post_need(s, AUDITOR, steam())).refused("forbidden")


def test_a_deactivated_unit_cannot_post(market: World) -> None:
    market.given(
        lambda s: units.update_unit(s, HQ_ADMIN, units.UpdateUnit("COAL-01", active=False))
    )
    market.when(lambda s: needs.post_need(s, HQ_ADMIN, steam())).refused("unit_inactive")


def test_a_quantity_must_be_positive(market: World) -> None:
    outcome = market.when(lambda s: needs.post_need(s, operator("COAL-01"), steam("0")))
    outcome.refused("invalid_quantity")


def test_a_special_task_needs_a_directive(market: World) -> None:
    spec = steam(business_type="special_task")
    outcome = market.when(lambda s: needs.post_need(s, operator("COAL-01"), spec))
    outcome.refused("directive_required")


def test_an_offer_is_recorded_on_the_need_and_the_offer(market: World) -> None:
    need = posted(market)
    outcome = market.when(
        lambda s: needs.submit_offer(s, operator("HEAT-02"), need.id, "HEAT-02", terms("184.00"))
    )
    offer = outcome.appended("Offer.Submitted", "Need.OfferReceived")
    outcome.event("Need.OfferReceived", offer_id=offer.id, supplier_unit_id="HEAT-02", matched=True)


def test_an_unmatched_supplier_may_offer_too(market: World) -> None:
    need = posted(market)
    outcome = market.when(
        lambda s: needs.submit_offer(s, operator("SVC-01"), need.id, "SVC-01", terms())
    )
    outcome.event("Need.OfferReceived", supplier_unit_id="SVC-01", matched=False)


def test_offer_refusals(market: World) -> None:
    need = posted(market)
    offered(market, need, "HEAT-02")

    def offer(unit: str, price: str = "180.00", by: str | None = None) -> str:
        outcome = market.when(
            lambda s: needs.submit_offer(s, operator(by or unit), need.id, unit, terms(price))
        )
        assert outcome.error is not None and outcome.events == []
        return outcome.error.code

    assert offer("COAL-01") == "self_supply"
    assert offer("HEAT-02") == "offer_exists"
    assert offer("PWR-01", "0") == "invalid_terms"
    assert offer("PWR-01", by="PWR-02") == "forbidden"
    market.at(datetime(2027, 3, 11, tzinfo=UTC))
    assert offer("PWR-01") == "offer_already_expired"


def test_an_offer_on_a_missing_need_is_not_found(market: World) -> None:
    outcome = market.when(
        lambda s: needs.submit_offer(s, operator("HEAT-02"), "need_404", "HEAT-02", terms())
    )
    outcome.refused("not_found", NotFound)


def test_the_supplier_revises_and_withdraws_its_own_offer(market: World) -> None:
    need = posted(market)
    offer = offered(market, need, "HEAT-02")
    market.when(lambda s: needs.revise_offer(s, operator("PWR-01"), offer.id, terms("1"))).refused(
        "forbidden"
    )
    revised = market.when(
        lambda s: needs.revise_offer(s, operator("HEAT-02"), offer.id, terms("170"))
    )
    revised.appended("Offer.Revised")
    assert revised.event("Offer.Revised").unit_price == "170"
    withdrawn = market.when(lambda s: needs.withdraw_offer(s, operator("HEAT-02"), offer.id))
    withdrawn.appended("Offer.Withdrawn", "Need.OfferWithdrawn")
    again = market.when(lambda s: needs.withdraw_offer(s, operator("HEAT-02"), offer.id))
    again.refused("offer_not_available")


def test_an_award_creates_the_contract_and_declines_the_other_offers(market: World) -> None:
    need = posted(market)
    heat = offered(market, need, "HEAT-02", "184.00")
    power = offered(market, need, "PWR-01", "179.50")
    outcome = market.when(lambda s: needs.award(s, operator("COAL-01"), need.id, power.id))
    contract = outcome.appended(
        "Need.Awarded", "Offer.Awarded", "Offer.NotAwarded", "Contract.Created"
    )
    assert contract.amount == Decimal("215400.00")
    outcome.event("Need.Awarded", offer_id=power.id, contract_id=contract.id, amount="215400.00")
    outcome.event("Offer.NotAwarded", originator_id=heat.id, awarded_offer_id=power.id)
    created = outcome.event(
        "Contract.Created",
        demand_unit_id="COAL-01",
        supply_unit_id="PWR-01",
        status="awaiting_signatures",
    )
    assert (created.parties["demand_platform_id"], created.parties["supply_platform_id"]) == (
        "COAL",
        "PWR",
    )


def test_only_the_demand_side_awards(market: World) -> None:
    need = posted(market)
    offer = offered(market, need, "PWR-01")
    market.when(lambda s: needs.award(s, operator("PWR-01"), need.id, offer.id)).refused(
        "forbidden"
    )
    market.when(lambda s: needs.award(s, platform_admin("COAL"), need.id, offer.id)).appended(
        "Need.Awarded", "Offer.Awarded", "Contract.Created"
    )


def test_an_expired_or_withdrawn_offer_cannot_be_awarded(market: World) -> None:
    need = posted(market)
    offer = offered(market, need, "PWR-01")
    withdrawn = offered(market, need, "HEAT-02")
    market.given(lambda s: needs.withdraw_offer(s, operator("HEAT-02"), withdrawn.id))
    market.when(lambda s: needs.award(s, operator("COAL-01"), need.id, withdrawn.id)).refused(
        "offer_not_available"
    )
    market.at(datetime(2027, 3, 11, tzinfo=UTC))  # past the offer's valid_until
    market.when(lambda s: needs.award(s, operator("COAL-01"), need.id, offer.id)).refused(
        "offer_not_available"
    )


def test_an_awarded_need_is_closed_to_everything(market: World) -> None:
    contract = awarded(market)
    need_id = contract.need_id
    market.when(
        lambda s: needs.submit_offer(s, operator("HEAT-02"), need_id, "HEAT-02", terms())
    ).refused("need_not_open")
    market.when(lambda s: needs.cancel_need(s, operator("COAL-01"), need_id, "x")).refused(
        "need_not_open"
    )
    market.when(lambda s: needs.award(s, operator("COAL-01"), need_id, contract.offer_id)).refused(
        "already_awarded"
    )


def test_the_demand_unit_cancels_an_open_need(market: World) -> None:
    need = posted(market)
    market.when(lambda s: needs.cancel_need(s, operator("HEAT-02"), need.id, "x")).refused(
        "forbidden"
    )
    outcome = market.when(lambda s: needs.cancel_need(s, operator("COAL-01"), need.id, "no more"))
    outcome.appended("Need.Cancelled")
    outcome.event(
        "Need.Cancelled", reason="no more", matched_supplier_unit_ids=["HEAT-02", "PWR-01"]
    )


def test_a_supplier_reads_its_own_offer_only_the_demand_side_all(market: World) -> None:
    need = posted(market)
    offered(market, need, "HEAT-02")
    offered(market, need, "PWR-01")
    demand = needs.read_need(market.svc, operator("COAL-01"), need.id)
    supplier = needs.read_need(market.svc, operator("PWR-01"), need.id)
    assert demand.demand_side and len(demand.offers) == 2
    assert not supplier.demand_side
    assert [o.supplier_unit_id for o in supplier.offers] == ["PWR-01"]
    assert len(needs.read_need(market.svc, AUDITOR, need.id).offers) == 2
