"""Special-task directives: a superior over both units approves; the need then names it."""

from __future__ import annotations

from decimal import Decimal

from marketplace.aggregates.directive import Directive
from marketplace.handlers import needs
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import Forbidden
from tests.unit.handlers.steps import steam
from tests.unit.handlers.world import HQ_ADMIN, Command, World, operator, platform_admin


def directive(
    by: Principal, demand: str = "COAL-01", supply: str = "HEAT-02"
) -> Command[Directive]:
    return lambda s: needs.issue_directive(
        s, by, demand, supply, "STEAM-LP", Decimal("500"), "Plant restart"
    )


def test_hq_approves_a_directive_between_any_two_units(market: World) -> None:
    outcome = market.when(directive(HQ_ADMIN))
    outcome.appended("Directive.Approved")
    outcome.event(
        "Directive.Approved",
        demand_unit_id="COAL-01",
        supply_unit_id="HEAT-02",
        quantity="500",
        approver_unit_id="HQ",
    )


def test_a_platform_admin_approves_only_inside_its_subtree(market: World) -> None:
    market.when(directive(platform_admin("COAL"))).refused("forbidden", Forbidden)
    inside = market.when(directive(platform_admin("COAL"), "COAL-01", "COAL-02"))
    inside.event("Directive.Approved", approver_unit_id="COAL")


def test_an_operator_cannot_approve(market: World) -> None:
    market.when(directive(operator("COAL-01"))).refused("forbidden")


def test_unknown_units_and_self_supply_are_refused(market: World) -> None:
    market.when(directive(HQ_ADMIN, "COAL-01", "NOWHERE")).refused("not_found")
    market.when(directive(HQ_ADMIN, "COAL-01", "COAL-01")).refused("self_supply")


def test_a_special_task_need_names_a_matching_directive(market: World) -> None:
    approved: Directive = market.given(directive(HQ_ADMIN))
    other: Directive = market.given(directive(HQ_ADMIN, "COAL-02", "HEAT-02"))
    spec = steam(business_type="special_task", directive_id=approved.id)
    market.when(lambda s: needs.post_need(s, operator("COAL-01"), spec)).appended("Need.Posted")
    wrong = steam(business_type="special_task", directive_id=other.id)
    market.when(lambda s: needs.post_need(s, operator("COAL-01"), wrong)).refused(
        "directive_required"
    )
    item = steam(business_type="special_task", directive_id=approved.id, item_code="STEAM-HP")
    market.when(lambda s: needs.post_need(s, operator("COAL-01"), item)).refused(
        "directive_required"
    )
