"""Buying outside the group: request on a ground, the superior decides, the demand unit closes."""

from __future__ import annotations

from decimal import Decimal

from marketplace.aggregates.need import Ground, Need
from marketplace.handlers import external_sourcing as ext
from marketplace.handlers.errors import Forbidden, NotFound
from tests.unit.handlers.steps import posted, steam
from tests.unit.handlers.world import HQ_ADMIN, World, operator, platform_admin

URGENT = Ground.INSUFFICIENT_FOR_URGENT_NEED
NONE_INSIDE = Ground.NOT_AVAILABLE_INTERNALLY


def requested(
    world: World, need: Need, ground: Ground = NONE_INSIDE, qty: str | None = None
) -> str:
    quantity = Decimal(qty) if qty else None
    _, request_id = world.given(
        lambda s: ext.request_external(s, operator("COAL-01"), need.id, ground, "why", quantity)
    )
    return request_id


def test_the_demand_unit_requests_on_a_ground(market: World) -> None:
    need = posted(market)
    outcome = market.when(
        lambda s: ext.request_external(s, operator("COAL-01"), need.id, NONE_INSIDE, "why", None)
    )
    _, request_id = outcome.appended("Need.ExternalSourcingRequested")
    assert request_id == f"{need.id}-x1"
    outcome.event("Need.ExternalSourcingRequested", ground=NONE_INSIDE.value, quantity=None)
    market.when(
        lambda s: ext.request_external(s, operator("HEAT-02"), need.id, NONE_INSIDE, "x", None)
    ).refused("forbidden", Forbidden)


def test_the_urgent_ground_needs_a_part_of_the_open_quantity(market: World) -> None:
    need = posted(market)
    for qty in (None, Decimal("1200"), Decimal("0")):
        market.when(
            lambda s, q=qty: ext.request_external(s, operator("COAL-01"), need.id, URGENT, "x", q)
        ).refused("external_quantity_required")
    outcome = market.when(
        lambda s: ext.request_external(s, operator("COAL-01"), need.id, URGENT, "x", Decimal("200"))
    )
    outcome.event("Need.ExternalSourcingRequested", quantity="200")


def test_the_demand_units_platform_admin_or_hq_decides(market: World) -> None:
    need = posted(market)
    request_id = requested(market, need)
    for outsider in (operator("COAL-01"), platform_admin("HEAT")):
        market.when(
            lambda s, p=outsider: ext.decide_external(s, p, request_id, True, None)
        ).refused("forbidden")
    outcome = market.when(
        lambda s: ext.decide_external(s, platform_admin("COAL"), request_id, True, None)
    )
    outcome.event("Need.ExternalSourcingApproved", request_id=request_id, approver_unit_id="COAL")
    market.when(lambda s: ext.decide_external(s, HQ_ADMIN, request_id, False, "no")).refused(
        "request_already_decided"
    )


def test_a_rejection_keeps_its_reason(market: World) -> None:
    request_id = requested(market, posted(market))
    outcome = market.when(lambda s: ext.decide_external(s, HQ_ADMIN, request_id, False, "cheaper"))
    outcome.event("Need.ExternalSourcingRejected", reason="cheaper", approver_unit_id="HQ")


def test_unknown_requests_are_not_found(market: World) -> None:
    need = posted(market)
    market.when(lambda s: ext.decide_external(s, HQ_ADMIN, "nonsense", True, None)).refused(
        "not_found", NotFound
    )
    market.when(lambda s: ext.decide_external(s, HQ_ADMIN, f"{need.id}-x9", True, None)).refused(
        "not_found"
    )


def test_a_catalog_item_is_bought_outside_only_with_an_approval(market: World) -> None:
    need = posted(market)
    market.when(lambda s: ext.close_external(s, operator("COAL-01"), need.id, "Out Ltd")).refused(
        "external_sourcing_not_approved"
    )
    request_id = requested(market, need)
    market.given(lambda s: ext.decide_external(s, HQ_ADMIN, request_id, True, None))
    market.when(lambda s: ext.close_external(s, operator("HEAT-02"), need.id, "Out")).refused(
        "forbidden"
    )
    outcome = market.when(lambda s: ext.close_external(s, operator("COAL-01"), need.id, "Out Ltd"))
    outcome.appended("Need.ClosedExternal")
    outcome.event(
        "Need.ClosedExternal",
        request_id=request_id,
        quantity="1200",
        remaining_quantity="0",
        external_supplier="Out Ltd",
    )


def test_an_urgent_part_bought_outside_leaves_the_rest_open(market: World) -> None:
    need = posted(market)
    request_id = requested(market, need, URGENT, "200")
    market.given(lambda s: ext.decide_external(s, HQ_ADMIN, request_id, True, None))
    outcome = market.when(lambda s: ext.close_external(s, operator("COAL-01"), need.id, "Out"))
    outcome.event("Need.ClosedExternal", quantity="200", remaining_quantity="1000")
    assert outcome.ok().status.value == "open"


def test_an_uncatalogued_item_is_bought_outside_freely(market: World) -> None:
    need = posted(market, steam(item_code="NOT-IN-CATALOG"))
    outcome = market.when(lambda s: ext.close_external(s, operator("COAL-01"), need.id, None))
    outcome.event("Need.ClosedExternal", request_id=None, ground=None, quantity="1200")
