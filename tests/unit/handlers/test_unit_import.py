"""Importing the organisation file: all or nothing, every wrong entry named in one run, a
second import of the same file a no-op; and a writer that keeps losing gives up clearly."""

from __future__ import annotations

import pytest

from marketplace.aggregates.base import Actor, MarketAggregate
from marketplace.demo import organisation_yaml
from marketplace.handlers import units
from marketplace.handlers.errors import ConcurrencyConflict
from marketplace.handlers.unit_import import ImportRejected, import_units
from tests.unit.handlers.world import HQ_ADMIN, World

CLI = Actor(unit_id=None, token_id="cli")


def test_importing_the_demo_file_twice_changes_nothing_the_second_time(world: World) -> None:
    first = world.when(lambda s: import_units(s, CLI, organisation_yaml()))
    assert len(first.ok().created) >= 16
    assert first.types.count("Organisation.UnitRegistered") == len(first.ok().created)
    second = world.when(lambda s: import_units(s, CLI, organisation_yaml()))
    assert len(second.appended().unchanged) == len(first.ok().created)


def test_a_bad_import_stores_nothing_and_names_the_entry(world: World) -> None:
    world.given(lambda s: import_units(s, CLI, "units:\n  - {id: HQ, name: Group, level: group}\n"))
    head = world.store.head()
    text = """units:
  - {id: E1, name: Child first, level: enterprise, parent_id: P1}
  - {id: P1, name: Platform, level: platform, parent_id: HQ}
  - {id: P2, name: Bad, level: platform, parent_id: E1}
"""
    with pytest.raises(ImportRejected) as info:
        import_units(world.svc, CLI, text)
    (problem,) = info.value.problems
    assert (problem.entry, problem.line, problem.unit_id) == (3, 4, "P2")
    assert "parent_level_not_allowed" in problem.message
    assert world.store.head() == head
    assert [u.id for u in units.list_units(world.svc)] == ["HQ"]


def test_a_bad_import_names_every_wrong_entry_in_one_run(group: World) -> None:
    head = group.store.head()
    text = """units:
  - {id: PWR-01, name: Plant, level: platform, parent_id: HQ}
  - {id: NEW-1, name: Under a plant, level: platform, parent_id: PWR-02}
  - {id: NEW-2, name: Orphan, level: enterprise, parent_id: NOWHERE}
  - {id: NEW-3, name: Child of a refused one, level: enterprise, parent_id: NEW-1}
  - {id: pwr-02, name: Case twin, level: enterprise, parent_id: PWR}
  - {id: HEAT, name: Heating, level: platform, parent_id: HQ, active: false}
  - {id: NEW-4, name: "", level: enterprise, parent_id: PWR, colour: red}
  - {id: NEW-5, name: Under a bad one, level: enterprise, parent_id: NEW-4}
  - {id: NEW-6, name: Fine, level: enterprise, parent_id: PWR}
"""
    with pytest.raises(ImportRejected) as info:
        import_units(group.svc, CLI, text)
    problems = info.value.problems
    assert {(p.entry, p.line, p.unit_id) for p in problems} == {
        (1, 2, "PWR-01"),
        (2, 3, "NEW-1"),
        (3, 4, "NEW-2"),
        (4, 5, "NEW-3"),
        (5, 6, "pwr-02"),
        (6, 7, "HEAT"),
        (7, 8, "NEW-4"),
        (8, 9, "NEW-5"),
    }
    text_of = {p.unit_id: p.message for p in reversed(problems)}
    assert "level_cannot_change" in text_of["PWR-01"]
    assert "parent_level_not_allowed" in text_of["NEW-1"]
    assert "'NOWHERE' is neither in the store" in text_of["NEW-2"]
    assert "its parent 'NEW-1' is refused" in text_of["NEW-3"]
    assert "unit_exists" in text_of["pwr-02"]
    assert "active_children_exist" in text_of["HEAT"]
    messages = [p.message for p in problems if p.unit_id == "NEW-4"]
    assert any("name" in m for m in messages) and any("colour" in m for m in messages)
    assert "its parent 'NEW-4' is refused" in text_of["NEW-5"]
    assert [p.entry for p in problems] == sorted(p.entry or 0 for p in problems)
    assert group.store.head() == head


def test_an_import_restructures_existing_units_and_deactivates_children_first(
    group: World,
) -> None:
    text = """units:
  - {id: PWR, name: Power Platform, level: platform, parent_id: HQ, sector: power, active: false}
  - {id: PWR-01, name: Plant 1, level: enterprise, parent_id: PWR, active: false}
  - {id: PWR-02, name: Plant 2, level: enterprise, parent_id: HEAT, sector: heat}
  - {id: PWR-03, name: Plant 3, level: enterprise, parent_id: PWR, active: false}
"""
    outcome = group.when(lambda s: import_units(s, CLI, text))
    assert sorted(outcome.ok().updated) == ["PWR", "PWR-01", "PWR-02", "PWR-03"]
    deactivated = [e.unit_id for e in outcome.events if type(e).__name__ == "UnitDeactivated"]
    assert deactivated[-1] == "PWR"  # after its children
    assert not units.get_unit(group.svc, "PWR").active
    assert units.get_unit(group.svc, "PWR-02").parent_id == "HEAT"


def test_an_import_whose_parents_form_a_cycle_is_rejected(world: World) -> None:
    text = """units:
  - {id: HQ, name: Group, level: group}
  - {id: A, name: A, level: enterprise, parent_id: B}
  - {id: B, name: B, level: enterprise, parent_id: A}
"""
    with pytest.raises(ImportRejected) as info:
        import_units(world.svc, CLI, text)
    assert [p.unit_id for p in info.value.problems] == ["A", "B"]
    assert world.store.head() == 0


def test_exhausted_retries_are_a_concurrent_modification(
    group: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    group.svc.max_attempts = 1

    def always_loses(*aggregates: MarketAggregate) -> None:
        raise ConcurrencyConflict("lost")

    monkeypatch.setattr(group.store, "save", always_loses)
    outcome = group.when(lambda s: units.update_unit(s, HQ_ADMIN, units.UpdateUnit("PWR", "x")))
    outcome.refused("concurrent_modification")
