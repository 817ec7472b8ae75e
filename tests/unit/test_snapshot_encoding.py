"""A snapshot's encoding gives back every kind of value an aggregate may hold as it was, through
the store's own JSON transcoder, and leaves out what the aggregate caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eventsourcing.domain import CanSnapshotAggregate, event

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.aggregates.base import Actor, Immutable, MarketAggregate, MarketSnapshot
from marketplace.aggregates.organisation import Level
from tests.unit.org_fixtures import ACTOR, demo_chart

T0 = datetime(2027, 1, 1, tzinfo=UTC)


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Part(Immutable):
    name: str
    colour: Colour
    tags: tuple[str, ...] = ()
    derived: int = field(init=False, default=0)


class Odd(MarketAggregate):
    """Holds one of every kind of value, the awkward ones included."""

    @event("Made")
    def __init__(self, id: str, actor: Actor, timestamp: datetime) -> None:
        self.parts = {"a": Part("a", Colour.RED, ("x", "y"))}
        self.by_number: dict[Any, Any] = {1: "one", (2, 3): frozenset({"b"})}
        self.marker_like = ["\0o", 1, 2]  # looks like the encoding's own marks
        self.transcoder_like = {"_type_": "decimal_str", "_data_": "1"}
        self.mixed: list[Any] = [Decimal("1.50"), date(2027, 1, 2), T0, None, True, 2.5]
        self.sets = ({1, 2}, frozenset({"z"}))
        self.colour = Colour.RED
        self.by = actor


def test_every_kind_of_value_comes_back_as_it_was() -> None:
    store = EventSourcingStore(StoreLocation.memory())
    try:
        odd = Odd(id="odd", actor=ACTOR, timestamp=T0)
        odd._cached_index = {"not": "stored"}  # type: ignore[attr-defined]
        snapshot = Odd.Snapshot.take(odd)
        assert "_cached_index" not in snapshot.state
        mapper = store._app.mapper
        restored: Any = mapper.to_domain_event(mapper.to_stored_event(snapshot)).mutate(None)
    finally:
        store.close()
    assert not hasattr(restored, "_cached_index")
    assert (restored.id, restored.version, restored.modified_on) == ("odd", 1, T0)
    for name in (
        "parts",
        "by_number",
        "marker_like",
        "transcoder_like",
        "mixed",
        "sets",
        "colour",
        "by",
    ):
        assert getattr(restored, name) == getattr(odd, name), name
    assert restored.colour is Colour.RED and restored.parts["a"].colour is Colour.RED
    assert type(restored.parts["a"]) is Part and restored.parts["a"].tags == ("x", "y")
    assert type(restored.by_number[(2, 3)]) is frozenset
    assert [type(v) for v in restored.mixed] == [type(v) for v in odd.mixed]
    assert type(restored.sets) is tuple and type(restored.sets[0]) is set
    assert type(restored.by) is Actor


def test_a_chart_snapshot_taken_before_this_encoding_still_restores() -> None:
    """Stores hold chart snapshots of the library's own encoding (units by their transcoding)."""
    org = demo_chart()
    old = CanSnapshotAggregate.take.__func__(MarketSnapshot, org)  # type: ignore[attr-defined]
    assert "_snapshot_topics_" not in old.state
    store = EventSourcingStore(StoreLocation.memory())
    try:
        mapper = store._app.mapper
        restored: Any = mapper.to_domain_event(mapper.to_stored_event(old)).mutate(None)
    finally:
        store.close()
    assert restored.units == org.units and restored.version == org.version
    assert restored.units["PWR"].level is Level.PLATFORM
