"""Invariants of the chart hold under any command sequence; replaying its events rebuilds it."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from tests.unit.org_fixtures import ACTOR, T0, chart_command, run_chart_command


@settings(max_examples=300, deadline=None)
@given(st.lists(chart_command, max_size=40))
def test_the_chart_stays_a_tree_under_any_sequence_of_commands(cmds: list[Any]) -> None:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    for n, cmd in enumerate(cmds):
        run_chart_command(org, n, cmd)
    groups = [u for u in org.units.values() if u.level is Level.GROUP]
    assert len(groups) <= 1
    for unit in org.units.values():
        chain = org.ancestors(unit.id)  # terminates: no cycles
        assert unit.id not in chain
        if unit.level is not Level.GROUP:
            assert chain and org.units[chain[-1]].level is Level.GROUP
        if unit.active and unit.parent_id:
            assert org.units[unit.parent_id].active

    replayed = None
    for event in org.collect_events():
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert replayed.units == org.units
    assert replayed.version == org.version
