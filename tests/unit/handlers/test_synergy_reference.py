"""A contract's reference unit price comes from the catalog in force at its award: the
supplier's own entry, else the lowest priced entry of the item; none when no catalog is in
force or none lists the item."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from marketplace.aggregates.contract import Contract
from marketplace.aggregates.synergy import ReferenceSource
from marketplace.handlers import catalog, needs
from tests.unit.handlers.steps import offered, posted, steam
from tests.unit.handlers.test_catalog import steam_entry, submit
from tests.unit.handlers.world import HQ_ADMIN, World, operator

H2 = catalog.OpenVersion(
    "2027H2", date(2027, 7, 1), date(2027, 12, 31), datetime(2027, 1, 8, tzinfo=UTC)
)


def award(world: World, need_id: str, offer_id: str) -> Contract:
    return world.given(lambda s: needs.award(s, operator("COAL-01"), need_id, offer_id))


def late_offer(world: World, need_id: str) -> str:
    """PWR-01's offer, open until August (the award comes in July)."""
    terms = needs.OfferTerms(
        Decimal("180.00"), Decimal("1200"), date(2027, 8, 20), datetime(2027, 8, 1, tzinfo=UTC)
    )
    return world.given(
        lambda s: needs.submit_offer(s, operator("PWR-01"), need_id, "PWR-01", terms)
    ).id


def publish_h2(world: World, *entries: catalog.EntrySubmission) -> None:
    version = world.given(lambda s: catalog.open_version(s, HQ_ADMIN, H2))
    for entry_id in world.given(submit(version.id, *entries)):
        world.given(lambda s, e=entry_id: catalog.review_entry(s, HQ_ADMIN, version.id, e, None))
    world.given(lambda s: catalog.publish_version(s, HQ_ADMIN, version.id))


def test_the_suppliers_own_entry_in_force_at_the_award(market: World) -> None:
    need = posted(market)
    contract = award(market, need.id, offered(market, need, "PWR-01").id)
    # PWR-01's own 2027H1 entry says 178.00 (HEAT-02's says 185.00).
    assert contract.reference == (Decimal("178.00"), ReferenceSource.CATALOG)


def test_a_price_list_replaced_since_the_need_was_posted_no_longer_counts(market: World) -> None:
    need = posted(market, steam(required_by=date(2027, 9, 1)))  # PWR-01 at 178.00 in 2027H1
    offer_id = late_offer(market, need.id)
    # 2027H2 lists only HEAT-02's steam, at 170.00: PWR-01 has no entry, the lowest is taken.
    publish_h2(market, steam_entry(reference_price="170.00"))
    market.at(datetime(2027, 7, 2, tzinfo=UTC))
    contract = award(market, need.id, offer_id)
    assert contract.reference == (Decimal("170.00"), ReferenceSource.CATALOG)


def test_no_catalog_in_force_at_the_award_means_no_reference(market: World) -> None:
    need = posted(market, steam(required_by=date(2027, 9, 1)))
    offer_id = late_offer(market, need.id)
    market.at(datetime(2027, 7, 2, tzinfo=UTC))  # 2027H1 has ended, nothing replaced it
    assert award(market, need.id, offer_id).reference is None


def test_an_item_no_entry_lists_has_no_reference(market: World) -> None:
    need = posted(market, steam(item_code="WELD-REPAIR-X"))
    contract = award(market, need.id, offered(market, need, "PWR-01").id)
    assert contract.reference is None
