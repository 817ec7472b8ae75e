"""Helpers for given/when/then tests of the organisation chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace.aggregates.base import Actor
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
