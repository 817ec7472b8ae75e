"""The inspection-findings reducer: a row per finding from its own events, open until
rectified (late or not), with the unit's platform and sector as they were when recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marketplace.handlers import inspections, units
from marketplace.projections import inspection_findings
from marketplace.projections.memory import table_rows
from tests.unit.handlers.world import HQ_ADMIN, World, demo_group, operator


def rows(world: World) -> dict[str, dict[str, object]]:
    found = table_rows(
        world.rows(inspection_findings.PROJECTION), inspection_findings.FINDINGS.name
    )
    return {str(r["unit_id"]): r for r in found}


def record(world: World, unit: str, by: date) -> str:
    return world.given(
        lambda s: inspections.record_finding(s, HQ_ADMIN, unit, "incomplete_rules", "none", by)
    ).id


def test_recorded_findings_are_open_and_rectified_ones_say_if_late() -> None:
    world = demo_group(World())
    record(world, "COAL-01", date(2027, 1, 10))
    on_time = record(world, "HEAT-01", date(2027, 1, 10))
    late = record(world, "PWR-01", date(2027, 1, 2))
    world.given(lambda s: inspections.rectify_finding(s, operator("HEAT-01"), on_time, "fixed"))
    world.at(datetime(2027, 1, 5, tzinfo=UTC))
    world.given(lambda s: inspections.rectify_finding(s, operator("PWR-01"), late, "at last"))
    found = rows(world)
    coal = found["COAL-01"]
    assert (coal["rectified"], coal["rectified_at"], coal["late"], coal["evidence"]) == (
        False,
        None,
        None,
        None,
    )
    assert (coal["platform_id"], coal["sector"], coal["rectify_by"]) == (
        "COAL",
        "coal_chemical",
        "2027-01-10",
    )
    assert (found["HEAT-01"]["rectified"], found["HEAT-01"]["late"]) == (True, False)
    assert found["HEAT-01"]["evidence"] == "fixed"
    rectified_at = found["PWR-01"]["rectified_at"]
    assert isinstance(rectified_at, datetime) and rectified_at.date() == date(2027, 1, 5)
    assert found["PWR-01"]["late"] is True


def test_a_later_restructuring_does_not_move_an_old_finding() -> None:
    world = demo_group(World())
    record(world, "COAL-01", date(2027, 1, 10))
    world.given(
        lambda s: units.update_unit(
            s, HQ_ADMIN, units.UpdateUnit("COAL-01", parent_id="HEAT", sector="heat")
        )
    )
    record(world, "COAL-02", date(2027, 1, 10))
    found = rows(world)
    assert (found["COAL-01"]["platform_id"], found["COAL-01"]["sector"]) == (
        "COAL",
        "coal_chemical",
    )
