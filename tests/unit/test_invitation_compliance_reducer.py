"""The invitation-compliance reducer: one row per tender for a catalog item, from its launch
alone, with the demand unit's platform as it was then."""

from __future__ import annotations

from decimal import Decimal

from marketplace.handlers import tenders, units
from marketplace.projections import invitation_compliance
from marketplace.projections.memory import table_rows
from tests.unit.handlers.steps import DEADLINE, launched, posted, steam
from tests.unit.handlers.world import HQ_ADMIN, World, demo_market, operator


def rows(world: World) -> dict[str, dict[str, object]]:
    found = table_rows(
        world.rows(invitation_compliance.PROJECTION), invitation_compliance.TENDERS.name
    )
    return {str(r["tender_id"]): r for r in found}


def launch_uninvited(world: World, item: str = "STEAM-LP") -> str:
    need = posted(world, steam(sourcing="tender", item_code=item))
    return world.given(
        lambda s: tenders.launch_tender(
            s, operator("COAL-01"), need.id, ["HEAT-02"], DEADLINE, "lowest_price", Decimal(0),
            "PWR-01 in overhaul",
        )
    ).id  # fmt: skip


def test_compliant_and_filed_tenders_each_have_their_row() -> None:
    world = demo_market(World())
    compliant = launched(world)
    filed = launch_uninvited(world)
    found = rows(world)
    assert found[compliant.id]["compliance"] == "compliant"
    assert found[compliant.id]["missing_catalog_suppliers"] == ""
    assert found[compliant.id]["omission_filing"] is None
    row = found[filed]
    assert {k: row[k] for k in ("demand_unit_id", "demand_platform_id", "item_code")} == {
        "demand_unit_id": "COAL-01",
        "demand_platform_id": "COAL",
        "item_code": "STEAM-LP",
    }
    assert (row["compliance"], row["missing_catalog_suppliers"], row["omission_filing"]) == (
        "exception_filed",
        "PWR-01",
        "PWR-01 in overhaul",
    )
    assert row["launched_at"] == world.store.events_of(filed)[0].timestamp


def test_a_tender_for_an_uncatalogued_item_is_not_judged() -> None:
    world = demo_market(World())
    launch_uninvited(world, "NOT-IN-CATALOG")
    assert rows(world) == {}


def test_a_later_move_of_the_demand_unit_leaves_the_row_alone() -> None:
    world = demo_market(World())
    tender = launched(world)
    world.given(
        lambda s: units.update_unit(
            s, HQ_ADMIN, units.UpdateUnit("COAL-01", parent_id="HEAT", sector="heat")
        )
    )
    assert rows(world)[tender.id]["demand_platform_id"] == "COAL"
