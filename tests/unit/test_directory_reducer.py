"""The directory reducer: organisation events in, row changes out; no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.aggregates.organisation import ORGANISATION_ID, Organisation
from marketplace.events.envelope import CloudEvent
from marketplace.events.wire import to_cloud_event
from marketplace.projections import directory
from marketplace.projections.changes import Upsert
from marketplace.projections.memory import fold, table_rows
from tests.unit.org_fixtures import ACTOR, T0, chart_command, run_chart_command

WHEN = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
BY = {"unit_id": "HQ", "token_id": "tok_1"}


def event(kind: str, data: dict[str, Any], version: int = 2) -> CloudEvent:
    name = f"marketplace.unit.{kind}.v1"
    return CloudEvent(
        id=f"e{version}",
        type=name,
        subject=ORGANISATION_ID,
        time=WHEN,
        dataschema=f"urn:marketplace:schema:{name}",
        sequence=version,
        aggregateversion=version,
        data=data | {"actor": BY},
    )


def upsert(unit_id: str, **values: Any) -> list[Upsert]:
    return [Upsert("directory_units", {"id": unit_id}, values | {"changed_at": WHEN})]


def test_a_registered_unit_is_a_whole_active_row() -> None:
    registered = event(
        "registered",
        {
            "unit_id": "PWR",
            "name": "Power",
            "level": "platform",
            "parent_id": "HQ",
            "sector": "power",
        },
    )
    assert directory.apply(registered) == upsert(
        "PWR", name="Power", level="platform", parent_id="HQ", sector="power", active=True
    )


@pytest.mark.parametrize(
    ("kind", "data", "values"),
    [
        ("renamed", {"name": "New", "previous_name": "Old"}, {"name": "New"}),
        ("moved", {"parent_id": "HEAT", "previous_parent_id": "PWR"}, {"parent_id": "HEAT"}),
        ("sector_changed", {"sector": "heat", "previous_sector": "power"}, {"sector": "heat"}),
        ("deactivated", {}, {"active": False}),
        ("reactivated", {}, {"active": True}),
    ],
)
def test_a_restructuring_sets_only_what_changed_and_when(
    kind: str, data: dict[str, Any], values: dict[str, Any]
) -> None:
    assert directory.apply(event(kind, {"unit_id": "PWR-01"} | data)) == upsert("PWR-01", **values)


def test_events_of_other_kinds_change_no_row() -> None:
    other = event("registered", {}).model_copy(update={"type": "marketplace.need.posted.v1"})
    assert directory.apply(other) == []


# ----- the directory always equals the write model's chart ----------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(chart_command, max_size=30))
def test_the_directory_is_the_chart_after_any_commands(cmds: list[Any]) -> None:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    for n, cmd in enumerate(cmds):
        run_chart_command(org, n, cmd)
    public = [to_cloud_event(e, i) for i, e in enumerate(org.collect_events(), 1)]
    changes = [c for e in public if e is not None for c in directory.apply(e)]
    rows = {r["id"]: r for r in table_rows(fold(changes), "directory_units")}
    assert {
        uid: (r["name"], r["level"], r["parent_id"], r["sector"], r["active"])
        for uid, r in rows.items()
    } == {
        u.id: (u.name, u.level.value, u.parent_id, u.sector, u.active) for u in org.units.values()
    }
