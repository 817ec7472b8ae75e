"""Catalog versions and the index persist on both stores (dates, entries, review outcomes)."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.aggregates.catalog import CatalogVersion, EntryStatus, VersionStatus
from marketplace.aggregates.catalog_index import CATALOG_INDEX_ID, CatalogIndex
from tests.integration.conftest import StoreFactory
from tests.unit.org_fixtures import ACTOR
from tests.unit.test_catalog_version import BEFORE_DEADLINE, DEADLINE, OPENED, entry

# What each event store keeps of a catalog: both stores.
pytestmark = pytest.mark.both_stores


def test_a_published_version_and_the_index_reload_identically(open_store: StoreFactory) -> None:
    store = open_store()
    v = CatalogVersion.open(
        "cat-2027H1", "2027H1", date(2027, 1, 1), date(2027, 6, 30), DEADLINE, ACTOR, OPENED
    )
    v.submit("PWR", [entry("e1"), entry("e2", item="HOT-WATER")], ACTOR, BEFORE_DEADLINE)
    v.approve_entry("e1", ACTOR, BEFORE_DEADLINE)
    v.reject_entry("e2", "not offered internally", ACTOR, BEFORE_DEADLINE)
    index = CatalogIndex(id=CATALOG_INDEX_ID, actor=ACTOR, timestamp=OPENED)
    v.publish(index.record_publication(v, ACTOR, DEADLINE), ACTOR, DEADLINE)
    store.save(v, index)

    other = open_store()
    loaded = other.get(v.id, CatalogVersion)
    loaded_index = other.get(CATALOG_INDEX_ID, CatalogIndex)
    assert loaded is not None and loaded_index is not None
    assert loaded.effective_from == date(2027, 1, 1)
    assert loaded.status is VersionStatus.PUBLISHED
    assert loaded.entries == v.entries
    assert loaded.entries["e2"].status is EntryStatus.REJECTED
    assert loaded_index.in_force_on(date(2027, 3, 1)) == v.id
