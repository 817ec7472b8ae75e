"""A command's private copy of an aggregate: its own containers, shared immutable values."""

from __future__ import annotations

from copy import deepcopy

from marketplace.aggregates.organisation import Level
from tests.unit.org_fixtures import ACTOR, at, chart
from tests.unit.test_catalog_version import BEFORE_DEADLINE, entry, version


def test_a_copied_chart_shares_its_units_but_changes_alone() -> None:
    org = chart(("HQ", Level.GROUP, None), ("P1", Level.PLATFORM, "HQ"))
    copied = deepcopy(org)
    assert copied.units is not org.units and copied.units["P1"] is org.units["P1"]
    copied.register_unit("E1", "E1", Level.ENTERPRISE, "P1", None, actor=ACTOR, timestamp=at(9))
    copied.update_unit("P1", ACTOR, at(10), name="Renamed")
    assert sorted(org.units) == ["HQ", "P1"] and org.units["P1"].name == "P1"
    assert copied.units["P1"].name == "Renamed" and copied.version == org.version + 2


def test_a_copied_catalog_version_rebuilds_its_own_item_index() -> None:
    v = version()
    v.submit("PWR", [entry("e1"), entry("e2", supplier="HEAT-02")], ACTOR, BEFORE_DEADLINE)
    v.approve_entry("e1", ACTOR, BEFORE_DEADLINE)
    assert [e.entry_id for e in v.approved_for_item("STEAM-LP")] == ["e1"]
    copied = deepcopy(v)
    assert not hasattr(copied, "_cached_by_item")  # derived state is not copied
    copied.approve_entry("e2", ACTOR, BEFORE_DEADLINE)
    assert [e.entry_id for e in copied.approved_for_item("STEAM-LP")] == ["e1", "e2"]
    assert [e.entry_id for e in v.approved_for_item("STEAM-LP")] == ["e1"]
    assert v.entries["e2"].status.value == "pending"
