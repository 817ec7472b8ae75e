"""Organisation chart rules: given a chart, when a command, then events or a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.organisation import Level, UnitNotFound
from tests.unit.org_fixtures import ACTOR, T0, at, chart, demo_chart


@contextmanager
def refused(code: str) -> Iterator[None]:
    """Then: the command is refused by the rule `code`."""
    with pytest.raises(DomainError) as info:
        yield
    assert info.value.code == code


def test_registering_the_group_then_a_platform_records_both_with_actor_and_time() -> None:
    org = chart()
    org.register_unit("HQ", "Group HQ", Level.GROUP, None, None, actor=ACTOR, timestamp=at(1))
    org.register_unit("PWR", "Power", Level.PLATFORM, "HQ", "power", actor=ACTOR, timestamp=at(2))
    events = org.collect_events()
    assert [type(e).__name__ for e in events] == ["UnitRegistered", "UnitRegistered"]
    assert events[1].unit_id == "PWR"  # type: ignore[attr-defined]
    assert events[1].actor == ACTOR  # type: ignore[attr-defined]
    assert events[1].timestamp == at(2)
    assert org.units["HQ"].sector == "group"


def test_an_enterprise_inherits_its_parents_sector_when_none_is_given() -> None:
    org = demo_chart()
    org.register_unit("PWR-09", "New", Level.ENTERPRISE, "PWR", None, actor=ACTOR, timestamp=T0)
    assert org.units["PWR-09"].sector == "pwr"


def test_there_is_exactly_one_group_unit() -> None:
    org = demo_chart()
    with refused("group_already_exists"):
        org.register_unit("HQ2", "Other", Level.GROUP, None, None, actor=ACTOR, timestamp=T0)
    assert org.pending_events == []


@pytest.mark.parametrize(
    ("unit_id", "level", "parent", "code"),
    [
        ("PWR", Level.PLATFORM, "HQ", "unit_exists"),
        ("X", Level.PLATFORM, None, "parent_required"),
        ("X", Level.ENTERPRISE, "NOPE", "parent_not_found"),
        ("X", Level.PLATFORM, "PWR", "parent_level_not_allowed"),
        ("X", Level.ENTERPRISE, "HQ", "parent_level_not_allowed"),
    ],
)
def test_registration_refusals(unit_id: str, level: Level, parent: str | None, code: str) -> None:
    org = demo_chart()
    with refused(code):
        org.register_unit(unit_id, "x", level, parent, None, actor=ACTOR, timestamp=T0)
    assert org.pending_events == []


@pytest.mark.parametrize("unit_id", ["pwr", "Pwr", "heat-01", "hEaT-01"])
def test_unit_ids_are_unique_regardless_of_case(unit_id: str) -> None:
    org = demo_chart()
    with pytest.raises(DomainError) as caught:
        org.register_unit(unit_id, "x", Level.PLATFORM, "HQ", None, actor=ACTOR, timestamp=T0)
    assert caught.value.code == "unit_exists"
    assert caught.value.details["existing_unit_id"] == unit_id.upper()
    assert org.pending_events == []


def test_a_parent_must_be_active() -> None:
    org = demo_chart()
    org.update_unit("HEAT-01", ACTOR, T0, active=False)
    with refused("parent_inactive"):
        org.register_unit("X", "x", Level.ENTERPRISE, "HEAT-01", None, actor=ACTOR, timestamp=T0)


def test_the_group_cannot_have_a_parent() -> None:
    org = chart()
    with refused("group_cannot_have_parent"):
        org.register_unit("HQ", "HQ", Level.GROUP, "X", None, actor=ACTOR, timestamp=T0)


def test_moving_a_unit_records_where_it_came_from_and_keeps_its_subtree() -> None:
    org = demo_chart()
    org.update_unit("PWR-01", ACTOR, at(5), parent_id="HEAT")
    (moved,) = org.collect_events()
    assert type(moved).__name__ == "UnitMoved"
    assert (moved.parent_id, moved.previous_parent_id) == ("HEAT", "PWR")  # type: ignore[attr-defined]
    assert org.ancestors("PWR-01A") == ["PWR-01", "HEAT", "HQ"]


@pytest.mark.parametrize("new_parent", ["PWR-01", "PWR-01A"])
def test_a_unit_cannot_move_under_itself_or_its_subordinates(new_parent: str) -> None:
    org = demo_chart()
    with refused("cycle_not_allowed"):
        org.update_unit("PWR-01", ACTOR, T0, parent_id=new_parent)
    assert org.units["PWR-01"].parent_id == "PWR"


def test_the_group_cannot_move_or_be_deactivated() -> None:
    org = demo_chart()
    with refused("group_cannot_be_deactivated"):
        org.update_unit("HQ", ACTOR, T0, active=False)


def test_a_platform_cannot_move_under_an_enterprise() -> None:
    org = demo_chart()
    with refused("parent_level_not_allowed"):
        org.update_unit("HEAT", ACTOR, T0, parent_id="PWR-01")


def test_deactivating_needs_the_subordinates_inactive_first() -> None:
    org = demo_chart()
    with refused("active_children_exist"):
        org.update_unit("PWR-01", ACTOR, T0, active=False)
    org.update_unit("PWR-01A", ACTOR, T0, active=False)
    org.update_unit("PWR-01", ACTOR, T0, active=False)
    assert not org.units["PWR-01"].active


def test_reactivating_under_an_inactive_parent_is_refused() -> None:
    org = demo_chart()
    org.update_unit("PWR-01A", ACTOR, T0, active=False)
    org.update_unit("PWR-01", ACTOR, T0, active=False)
    with refused("parent_inactive"):
        org.update_unit("PWR-01A", ACTOR, T0, active=True)


def test_a_refused_update_triggers_no_event_even_when_other_fields_were_valid() -> None:
    org = demo_chart()
    with refused("cycle_not_allowed"):
        org.update_unit("PWR-01", ACTOR, T0, name="Renamed", parent_id="PWR-01A")
    assert org.pending_events == []
    assert org.units["PWR-01"].name == "PWR-01"


def test_an_update_that_changes_nothing_records_nothing() -> None:
    org = demo_chart()
    org.update_unit("PWR-01", ACTOR, T0, name="PWR-01", parent_id="PWR", sector="pwr")
    assert org.pending_events == []


def test_updating_an_unknown_unit_is_not_found() -> None:
    with pytest.raises(UnitNotFound):
        demo_chart().update_unit("NOPE", ACTOR, T0, name="x")


@pytest.mark.parametrize(
    ("a", "b", "mediator"),
    [
        ("PWR-01", "PWR-02", "PWR"),
        ("PWR-01A", "PWR-02", "PWR"),
        ("PWR-01", "HEAT-01", "HQ"),
        ("PWR", "PWR-01", "HQ"),  # strictly above both: never a party itself
        ("PWR-01", "PWR-01A", "PWR"),
        ("HQ", "PWR", None),
    ],
)
def test_lowest_common_superior(a: str, b: str, mediator: str | None) -> None:
    org = demo_chart()
    assert org.lowest_common_superior(a, b) == mediator
    assert org.lowest_common_superior(b, a) == mediator
