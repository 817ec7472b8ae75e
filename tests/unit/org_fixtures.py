"""Helpers for given/when/then tests of the organisation chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation

ACTOR = Actor(unit_id="HQ", token_id="tok_test")
T0 = datetime(2027, 1, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def chart(*units: tuple[str, Level, str | None]) -> Organisation:
    """Given: an organisation with these (id, level, parent) units, all events collected."""
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    for i, (unit_id, level, parent) in enumerate(units):
        sector = None if level is not Level.PLATFORM else unit_id.lower()
        org.register_unit(unit_id, unit_id, level, parent, sector, actor=ACTOR, timestamp=at(i))
    org.collect_events()
    return org


def demo_chart() -> Organisation:
    g, p, e = Level.GROUP, Level.PLATFORM, Level.ENTERPRISE
    return chart(
        ("HQ", g, None),
        ("PWR", p, "HQ"),
        ("PWR-01", e, "PWR"),
        ("PWR-02", e, "PWR"),
        ("PWR-01A", e, "PWR-01"),
        ("HEAT", p, "HQ"),
        ("HEAT-01", e, "HEAT"),
    )


# Hypothesis: any sequence of chart commands, valid or not.
CHART_IDS = ["G", "A", "B", "C", "D"]
chart_command = st.one_of(
    st.tuples(
        st.just("register"),
        st.sampled_from(CHART_IDS),
        st.sampled_from(list(Level)),
        st.none() | st.sampled_from(CHART_IDS),
    ),
    st.tuples(st.just("move"), st.sampled_from(CHART_IDS), st.sampled_from(CHART_IDS)),
    st.tuples(st.just("rename"), st.sampled_from(CHART_IDS), st.sampled_from(["x", "y"])),
    st.tuples(st.just("sector"), st.sampled_from(CHART_IDS), st.sampled_from(["power", "heat"])),
    st.tuples(st.just("active"), st.sampled_from(CHART_IDS), st.booleans()),
)


def run_chart_command(org: Organisation, n: int, cmd: tuple[Any, ...]) -> None:
    """Apply a generated chart command; refusals are part of the game."""
    kind, unit_id, arg = cmd[0], cmd[1], cmd[2]
    try:
        if kind == "register":
            org.register_unit(unit_id, unit_id, arg, cmd[3], None, actor=ACTOR, timestamp=at(n))
        else:
            field = {"move": "parent_id", "rename": "name", "sector": "sector"}.get(kind, kind)
            org.update_unit(unit_id, ACTOR, at(n), **{field: arg})
    except DomainError:
        pass
