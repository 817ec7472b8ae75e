"""The organisation chart: HQ registers and restructures units; only real changes are events."""

from __future__ import annotations

from marketplace.aggregates.organisation import Level, Unit
from marketplace.handlers import units
from marketplace.handlers.errors import Forbidden
from tests.unit.handlers.world import HQ_ADMIN, Command, World, operator, platform_admin

register = units.RegisterUnit
update = units.UpdateUnit


def as_hq(cmd: units.RegisterUnit | units.UpdateUnit) -> Command[Unit]:
    if isinstance(cmd, units.RegisterUnit):
        return lambda s: units.register_unit(s, HQ_ADMIN, cmd)
    return lambda s: units.update_unit(s, HQ_ADMIN, cmd)


def test_the_first_unit_establishes_the_organisation(world: World) -> None:
    outcome = world.when(as_hq(register("HQ", "Group", Level.GROUP)))
    outcome.appended("Organisation.Established", "Organisation.UnitRegistered")
    outcome.event("Organisation.UnitRegistered", unit_id="HQ", level="group", parent_id=None)
    platform = world.when(as_hq(register("A", "A", Level.PLATFORM, "HQ", "a")))
    platform.appended("Organisation.UnitRegistered")
    child = world.when(as_hq(register("E", "E", Level.ENTERPRISE, "A")))
    child.event("Organisation.UnitRegistered", unit_id="E", sector="a")  # the parent's sector


def test_only_hq_admins_change_the_chart(group: World) -> None:
    for caller in (operator("HQ"), platform_admin("PWR")):
        group.when(
            lambda s, p=caller: units.register_unit(
                s, p, register("PWR-09", "x", Level.ENTERPRISE, "PWR")
            )
        ).refused("forbidden", Forbidden)
        group.when(lambda s, p=caller: units.update_unit(s, p, update("PWR-01", "x"))).refused(
            "forbidden"
        )


def test_registration_refusals(group: World) -> None:
    group.when(as_hq(register("PWR-01", "x", Level.ENTERPRISE, "PWR"))).refused("unit_exists")
    group.when(as_hq(register("pwr-01", "x", Level.ENTERPRISE, "PWR"))).refused("unit_exists")
    group.when(as_hq(register("G2", "x", Level.GROUP))).refused("group_already_exists")
    group.when(as_hq(register("E9", "x", Level.ENTERPRISE))).refused("parent_required")
    group.when(as_hq(register("E9", "x", Level.ENTERPRISE, "NOWHERE"))).refused("parent_not_found")
    group.when(as_hq(register("P9", "x", Level.PLATFORM, "PWR"))).refused(
        "parent_level_not_allowed"
    )


def test_a_move_renames_nothing_and_a_no_change_appends_nothing(group: World) -> None:
    moved = group.when(as_hq(update("PWR-01", parent_id="HEAT", sector="heat")))
    moved.appended("Organisation.UnitMoved", "Organisation.UnitSectorChanged")
    assert (moved.ok().parent_id, moved.ok().sector) == ("HEAT", "heat")
    assert [u.id for u in units.list_units(group.svc, within="HEAT")] == [
        "HEAT", "HEAT-01", "HEAT-02", "PWR-01",
    ]  # fmt: skip
    same = group.when(as_hq(update("PWR-01", parent_id="HEAT")))
    same.appended()


def test_restructuring_refusals(group: World) -> None:
    group.when(as_hq(update("HQ", parent_id="PWR"))).refused("group_cannot_move")
    group.when(as_hq(update("HQ", active=False))).refused("group_cannot_be_deactivated")
    group.when(as_hq(update("PWR", active=False))).refused("active_children_exist")
    group.when(as_hq(update("NOWHERE", name="x"))).refused("not_found")


def test_deactivation_and_reactivation_are_events(group: World) -> None:
    group.when(as_hq(update("PWR-01", active=False))).appended("Organisation.UnitDeactivated")
    group.when(as_hq(register("PWR-09", "x", Level.ENTERPRISE, "PWR-01"))).refused(
        "parent_inactive"
    )
    group.when(as_hq(update("PWR-01", active=True))).appended("Organisation.UnitReactivated")


def test_units_are_listed_in_id_order_and_filtered(group: World) -> None:
    platforms = units.list_units(group.svc, level=Level.PLATFORM)
    assert [u.id for u in platforms] == ["COAL", "ENG", "HEAT", "PWR", "SVC"]
    assert [u.id for u in units.list_units(group.svc, parent_id="SVC")] == [
        "SVC-01", "SVC-02", "SVC-03",
    ]  # fmt: skip
    assert units.list_units(World().svc) == []
