"""The catalog search reducer: pure event → rows, for every catalog event type."""

from __future__ import annotations

from decimal import Decimal

from marketplace.events.wire import to_cloud_event
from marketplace.projections.catalog_search import ENTRIES, VERSIONS, apply
from marketplace.projections.changes import Upsert
from tests.unit.test_event_schemas import catalog_cycle


def test_a_catalog_cycle_gives_version_and_entry_rows() -> None:
    changes = []
    for i, domain_event in enumerate(catalog_cycle(), 1):
        event = to_cloud_event(domain_event, i)
        assert event is not None
        changes += apply(event)
    assert all(isinstance(c, Upsert) for c in changes)
    versions = [c for c in changes if c.table == VERSIONS.name]
    entries = [c for c in changes if c.table == ENTRIES.name]
    h1 = [c.values for c in versions if c.key == {"version_id": "cat-2027H1"}]
    assert [v.get("status") for v in h1] == ["collecting", "published", "superseded"]
    assert h1[1]["effective_from"] == "2027-01-01"
    submitted = [c.values for c in entries if c.values.get("status") == "pending"]
    assert submitted[0]["item_name_folded"] == "steam"
    assert submitted[0]["regions"] == "north"
    assert submitted[0]["reference_price"] == Decimal("185.50")
    rejected = [c.values for c in entries if c.values.get("status") == "rejected"]
    assert rejected[0]["reason"] == "licence terms missing"


def test_unit_events_change_no_catalog_rows() -> None:
    from tests.unit.test_event_schemas import restructured_chart

    unit_events = [e for e in restructured_chart() if e.type.startswith("marketplace.unit.")]
    assert unit_events
    assert all(apply(e) == [] for e in unit_events)
