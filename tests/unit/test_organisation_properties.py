"""Invariants of the chart hold under any command sequence; replaying its events rebuilds it."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from tests.unit.org_fixtures import ACTOR, T0

IDS = ["G", "A", "B", "C", "D", "E"]
command = st.one_of(
    st.tuples(
        st.just("register"),
        st.sampled_from(IDS),
        st.sampled_from(list(Level)),
        st.none() | st.sampled_from(IDS),
    ),
    st.tuples(st.just("move"), st.sampled_from(IDS), st.sampled_from(IDS)),
    st.tuples(st.just("active"), st.sampled_from(IDS), st.booleans()),
)


def run(org: Organisation, cmd: tuple[Any, ...]) -> None:
    try:
        if cmd[0] == "register":
            org.register_unit(cmd[1], cmd[1], cmd[2], cmd[3], None, actor=ACTOR, timestamp=T0)
        elif cmd[0] == "move":
            org.update_unit(cmd[1], ACTOR, T0, parent_id=cmd[2])
        else:
            org.update_unit(cmd[1], ACTOR, T0, active=cmd[2])
    except DomainError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(command, max_size=40))
def test_the_chart_stays_a_tree_under_any_sequence_of_commands(cmds: list[Any]) -> None:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    for cmd in cmds:
        run(org, cmd)
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
