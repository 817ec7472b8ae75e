"""Organisation use cases on a real store: register, restructure, import all-or-nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.organisation import Level
from marketplace.demo import organisation_yaml
from marketplace.handlers import units
from marketplace.handlers.auth import Principal
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.ports import Services
from marketplace.handlers.unit_import import ImportRejected, import_units
from tests.integration.conftest import HQ_ADMIN, StoreFactory, services_on

CLI = Actor(unit_id=None, token_id="cli")


def test_register_and_restructure_through_the_handlers(svc: Services) -> None:
    units.register_unit(svc, HQ_ADMIN, units.RegisterUnit("HQ", "Group", Level.GROUP))
    units.register_unit(svc, HQ_ADMIN, units.RegisterUnit("A", "A", Level.PLATFORM, "HQ", "a"))
    units.register_unit(svc, HQ_ADMIN, units.RegisterUnit("B", "B", Level.PLATFORM, "HQ", "b"))
    units.register_unit(svc, HQ_ADMIN, units.RegisterUnit("E", "E", Level.ENTERPRISE, "A"))
    moved = units.update_unit(svc, HQ_ADMIN, units.UpdateUnit("E", parent_id="B", sector="b"))
    assert (moved.parent_id, moved.sector) == ("B", "b")
    assert [u.id for u in units.list_units(svc, within="B")] == ["B", "E"]


def test_only_hq_admins_change_the_chart(svc: Services) -> None:
    operator = Principal("tok_op", "HQ", frozenset({Role.UNIT_OPERATOR}))
    head = svc.store.head()
    with pytest.raises(Forbidden):
        units.register_unit(svc, operator, units.RegisterUnit("HQ", "Group", Level.GROUP))
    assert svc.store.head() == head


def test_importing_the_demo_file_twice_changes_nothing_the_second_time(svc: Services) -> None:
    first = import_units(svc, CLI, organisation_yaml())
    head = svc.store.head()
    second = import_units(svc, CLI, organisation_yaml())
    assert len(first.created) == len(second.unchanged) >= 16
    assert svc.store.head() == head


def test_a_bad_import_stores_nothing_and_names_the_entry(svc: Services) -> None:
    import_units(svc, CLI, "units:\n  - {id: HQ, name: Group, level: group}\n")
    head = svc.store.head()
    text = """units:
  - {id: E1, name: Child first, level: enterprise, parent_id: P1}
  - {id: P1, name: Platform, level: platform, parent_id: HQ}
  - {id: P2, name: Bad, level: platform, parent_id: E1}
"""
    with pytest.raises(ImportRejected) as info:
        import_units(svc, CLI, text)
    (problem,) = info.value.problems
    assert (problem.entry, problem.line, problem.unit_id) == (3, 4, "P2")
    assert "parent_level_not_allowed" in problem.message
    assert svc.store.head() == head
    assert [u.id for u in units.list_units(svc)] == ["HQ"]


def test_a_bad_import_names_every_wrong_entry_in_one_run(svc: Services) -> None:
    import_units(svc, CLI, organisation_yaml())
    head = svc.store.head()
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
        import_units(svc, CLI, text)
    found = {(p.entry, p.line, p.unit_id) for p in info.value.problems}
    assert found == {
        (1, 2, "PWR-01"),
        (2, 3, "NEW-1"),
        (3, 4, "NEW-2"),
        (4, 5, "NEW-3"),
        (5, 6, "pwr-02"),
        (6, 7, "HEAT"),
        (7, 8, "NEW-4"),
        (8, 9, "NEW-5"),
    }
    text_of = {p.unit_id: p.message for p in reversed(info.value.problems)}
    assert "level_cannot_change" in text_of["PWR-01"]
    assert "parent_level_not_allowed" in text_of["NEW-1"]
    assert "'NOWHERE' is neither in the store" in text_of["NEW-2"]
    assert "its parent 'NEW-1' is refused" in text_of["NEW-3"]
    assert "unit_exists" in text_of["pwr-02"]
    assert "active_children_exist" in text_of["HEAT"]
    messages = [p.message for p in info.value.problems if p.unit_id == "NEW-4"]
    assert any("name" in m for m in messages) and any("colour" in m for m in messages)
    assert "its parent 'NEW-4' is refused" in text_of["NEW-5"]
    assert [p.entry for p in info.value.problems] == sorted(
        p.entry or 0 for p in info.value.problems
    )
    assert svc.store.head() == head


def test_an_import_restructures_existing_units_and_deactivates_children_first(
    svc: Services,
) -> None:
    import_units(svc, CLI, organisation_yaml())
    text = """units:
  - {id: PWR, name: Power Platform, level: platform, parent_id: HQ, sector: power, active: false}
  - {id: PWR-01, name: Plant 1, level: enterprise, parent_id: PWR, active: false}
  - {id: PWR-02, name: Plant 2, level: enterprise, parent_id: HEAT, sector: heat}
  - {id: PWR-03, name: Plant 3, level: enterprise, parent_id: PWR, active: false}
"""
    result = import_units(svc, CLI, text)
    assert sorted(result.updated) == ["PWR", "PWR-01", "PWR-02", "PWR-03"]
    assert not units.get_unit(svc, "PWR").active
    assert units.get_unit(svc, "PWR-02").parent_id == "HEAT"


def test_an_import_whose_parents_form_a_cycle_is_rejected(svc: Services) -> None:
    text = """units:
  - {id: HQ, name: Group, level: group}
  - {id: A, name: A, level: enterprise, parent_id: B}
  - {id: B, name: B, level: enterprise, parent_id: A}
"""
    with pytest.raises(ImportRejected) as info:
        import_units(svc, CLI, text)
    assert [p.unit_id for p in info.value.problems] == ["A", "B"]
    assert svc.store.head() == 0


@pytest.mark.both_stores
def test_concurrent_renames_from_two_processes_all_land_in_some_order(
    open_store: StoreFactory,
) -> None:
    first, second = services_on(open_store()), services_on(open_store())
    import_units(first, CLI, organisation_yaml())

    def rename(i: int) -> str:
        svc = first if i % 2 else second
        return units.update_unit(svc, HQ_ADMIN, units.UpdateUnit(f"PWR-0{i % 3 + 1}", f"n{i}")).name

    with ThreadPoolExecutor(max_workers=6) as pool:
        names = list(pool.map(rename, range(12)))
    assert names == [f"n{i}" for i in range(12)]
    org = units.load_organisation(services_on(open_store()))
    assert org is not None
    renamed = [
        e for e in open_store().events_of("organisation") if type(e).__name__ == "UnitRenamed"
    ]
    assert len(renamed) == 12
    assert {org.units[f"PWR-0{k}"].name for k in (1, 2, 3)} <= set(names)


def test_exhausted_retries_are_a_concurrent_modification(svc: Services) -> None:
    import_units(svc, CLI, organisation_yaml())
    svc.max_attempts = 1
    real_save = svc.store.save
    from marketplace.handlers.errors import ConcurrencyConflict

    def always_loses(*aggregates: object) -> None:
        raise ConcurrencyConflict("lost")

    svc.store.save = always_loses  # type: ignore[method-assign]
    try:
        with pytest.raises(DomainError) as info:
            units.update_unit(svc, HQ_ADMIN, units.UpdateUnit("PWR", name="x"))
        assert info.value.code == "concurrent_modification"
    finally:
        svc.store.save = real_save  # type: ignore[method-assign]
