"""Event ids are the UUIDv5 of "<aggregate id>/<version>" in the platform's namespace."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from marketplace.events.envelope import _ID_NAMESPACE, event_id


@given(st.text(), st.integers(min_value=1, max_value=2**62))
def test_the_id_is_the_standard_library_uuid5(aggregate_id: str, version: int) -> None:
    expected = str(uuid.uuid5(_ID_NAMESPACE, f"{aggregate_id}/{version}"))
    assert event_id(aggregate_id, version) == expected


def test_a_known_id_stays_the_same() -> None:
    """Consumers deduplicate on ids already published: they must never change."""
    assert event_id("need-1", 1) == "a81894ea-a46e-5b04-b86b-2160b7fba5e6"
    assert uuid.UUID(event_id("need-1", 1)).version == 5
