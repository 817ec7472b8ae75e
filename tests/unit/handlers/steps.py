"""Given steps shared by the handler tests: a need for steam, offers, a contract, a tender."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from marketplace.aggregates.contract import Contract
from marketplace.aggregates.need import Need, NeedSpec
from marketplace.aggregates.offer import Offer
from marketplace.aggregates.tender import Tender
from marketplace.handlers import contracts, needs, tenders
from tests.unit.handlers.world import HQ_ADMIN, World, operator

DEADLINE = datetime(2027, 1, 20, tzinfo=UTC)


def steam(quantity: str = "1200", **changes: object) -> NeedSpec:
    """COAL-01 asks for low-pressure steam: HEAT-02 and PWR-01 supply it in the catalog."""
    spec = NeedSpec(
        "COAL-01", "Steam", "product", "heat", "STEAM-LP", Decimal(quantity), "t",
        date(2027, 4, 1), Decimal("230000.00"), "regular", "direct",
    )  # fmt: skip
    return replace(spec, **changes)  # type: ignore[arg-type]


def terms(price: str = "180.00", quantity: str = "1200") -> needs.OfferTerms:
    return needs.OfferTerms(
        Decimal(price), Decimal(quantity), date(2027, 3, 20), datetime(2027, 3, 10, tzinfo=UTC)
    )


def posted(world: World, spec: NeedSpec | None = None) -> Need:
    spec = spec or steam()
    return world.given(lambda s: needs.post_need(s, operator(spec.demand_unit_id), spec))


def offered(world: World, need: Need, supplier: str, price: str = "180.00") -> Offer:
    return world.given(
        lambda s: needs.submit_offer(s, operator(supplier), need.id, supplier, terms(price))
    )


def awarded(world: World) -> Contract:
    """COAL-01 buys 1200 t of steam from PWR-01 at 180.00 (216000.00), awaiting signatures."""
    need = posted(world)
    offer = offered(world, need, "PWR-01")
    return world.given(lambda s: needs.award(s, operator("COAL-01"), need.id, offer.id))


def launched(world: World, invitees: tuple[str, ...] = ("HEAT-02", "PWR-01")) -> Tender:
    """A tender on COAL-01's steam need, bids due by DEADLINE, internal bids preferred within
    2% of the best external one."""
    need = posted(world, steam(sourcing="tender"))
    return world.given(
        lambda s: tenders.launch_tender(
            s, operator("COAL-01"), need.id, list(invitees), DEADLINE, "lowest_price",
            Decimal(2), None,
        )
    )  # fmt: skip


def special_task(world: World) -> Contract:
    """A directive has COAL-02 supply COAL-01 with 500 t of steam; awarded, being priced.

    Both are in the coal-chemical platform, so COAL mediates their pricing."""
    directive = world.given(
        lambda s: needs.issue_directive(
            s, HQ_ADMIN, "COAL-01", "COAL-02", "STEAM-LP", Decimal("500"), "Plant restart"
        )
    )
    need = posted(world, steam("500", business_type="special_task", directive_id=directive.id))
    offer = world.given(
        lambda s: needs.submit_offer(
            s, operator("COAL-02"), need.id, "COAL-02", terms("150.00", "500")
        )
    )
    return world.given(lambda s: needs.award(s, operator("COAL-01"), need.id, offer.id))


def signed(world: World) -> Contract:
    """The steam contract of `awarded`, signed by both: active."""
    contract = awarded(world)
    for unit in contract.party_ids:
        world.given(lambda s, u=unit: contracts.sign(s, operator(u), contract.id, None))
    return contract
