"""Snapshots on both stores: every aggregate comes back from one exactly as replayed from its
events (frozen values, enums, sets, tuples), never with what it caches; and audit's past
states, read through snapshots, equal a replay from version 1 on long streams."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import fields, is_dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.application import project_aggregate
from fastapi.testclient import TestClient

from marketplace.adapters.eventstore import SNAPSHOT_INTERVALS, EventSourcingStore
from marketplace.aggregates.base import MarketAggregate, MarketEvent
from marketplace.aggregates.catalog import CatalogVersion, EntryStatus
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.audit import history
from marketplace.audit.chain import Ledger
from marketplace.handlers.errors import NotFound
from marketplace.projections.pages import PageRequest
from tests.conftest import drop_schemas, require_postgres
from tests.integration.api_world import World, demo_world
from tests.integration.conftest import StoreFactory
from tests.integration.test_lists_api import build
from tests.unit.org_fixtures import ACTOR, T0, at
from tests.unit.test_catalog_version import BEFORE_DEADLINE, DEADLINE, OPENED, entry, version

# Snapshots are rows of each store's own snapshot table: both stores.
pytestmark = pytest.mark.both_stores


def same(replayed: Any, restored: Any, where: str) -> None:
    """Equal and of the very same types all the way down (an enum is not its string, a tuple
    is not a list), which `==` alone would not tell."""
    assert type(restored) is type(replayed), f"{where}: {type(restored)} for {type(replayed)}"
    if isinstance(replayed, dict):
        assert list(restored) == list(replayed), where
        for key, value in replayed.items():
            same(key, next(k for k in restored if k == key), f"{where} key {key!r}")
            same(value, restored[key], f"{where}[{key!r}]")
    elif isinstance(replayed, list | tuple):
        assert len(restored) == len(replayed), where
        for n, (a, b) in enumerate(zip(replayed, restored, strict=True)):
            same(a, b, f"{where}[{n}]")
    elif isinstance(replayed, set | frozenset):
        assert restored == replayed, where
        assert {type(v) for v in restored} == {type(v) for v in replayed}, where
    elif is_dataclass(replayed) and not isinstance(replayed, type):
        for f in fields(replayed):
            same(getattr(replayed, f.name), getattr(restored, f.name), f"{where}.{f.name}")
    else:
        assert restored == replayed, where


def state_of(aggregate: MarketAggregate) -> dict[str, Any]:
    """Its attributes (in name order: the order of the attributes is no state) less caches."""
    return {k: v for k, v in sorted(vars(aggregate).items()) if not k.startswith("_cached_")}


def replay(store: EventSourcingStore, aggregate_id: str, upto: int | None = None) -> Any:
    """The aggregate from version 1, no snapshot, no cache."""
    return project_aggregate(None, store.events_of(aggregate_id, upto=upto))


def through_the_store(store: EventSourcingStore, aggregate: MarketAggregate) -> Any:
    """A snapshot of `aggregate`, encoded by the store's own mapper as it stores it, decoded
    and restored."""
    snapshot = type(aggregate).Snapshot.take(aggregate)
    assert not [k for k in snapshot.state if k.startswith("_cached_")]
    mapper = store._app.mapper  # the library's own: no port shows snapshots
    return mapper.to_domain_event(mapper.to_stored_event(snapshot)).mutate(None)


@pytest.fixture
def world(backend: str, tmp_path: Any) -> Iterator[World]:
    """The demo group and a scenario of needs, tenders with bids, contracts, incidents and a
    dispute in mediation, so every kind of aggregate exists with a lived-in state."""
    schema = None
    if backend == "postgres":
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
    built = demo_world(tmp_path, schema)
    try:
        with TestClient(built.app) as client:
            build(built, client)
            yield built
    finally:
        built.svc.store.close()
        if schema:
            drop_schemas(schema)


def test_every_aggregate_comes_back_from_a_snapshot_as_replayed(world: World) -> None:
    store = world.svc.store
    assert isinstance(store, EventSourcingStore)
    ids = list(dict.fromkeys(str(n.originator_id) for n in store.read(0, 100_000)))
    kinds: set[type] = set()
    for aggregate_id in ids:
        replayed = replay(store, aggregate_id)
        if isinstance(replayed, CatalogVersion):
            replayed.approved_for_item("STEAM-LP")  # fills its `_cached_by_item`
            assert hasattr(replayed, "_cached_by_item")
        restored = through_the_store(store, replayed)
        assert not hasattr(restored, "_cached_by_item")
        same(state_of(replayed), state_of(restored), f"{type(replayed).__name__} {aggregate_id}")
        assert restored.version == replayed.version and restored.id == aggregate_id
        kinds.add(type(replayed))
    # Every kind the intervals name is in the scenario, and so tried here.
    assert set(SNAPSHOT_INTERVALS) - {k for k in kinds} == set()


def test_a_restored_catalog_version_behaves_as_the_replayed_one(
    open_store: StoreFactory,
) -> None:
    """Enums compared with `is`, a frozen value's tuple, the index it caches: all as before."""
    store = open_store()
    v = version()
    with_regions = replace(entry("e1"), regions=("north", "south"))
    v.submit("PWR", [with_regions, entry("e2", supplier="HEAT-02")], ACTOR, BEFORE_DEADLINE)
    v.approve_entry("e1", ACTOR, BEFORE_DEADLINE)
    restored = through_the_store(store, v)
    assert restored.entries["e1"].status is EntryStatus.APPROVED
    assert restored.entries["e1"].regions == ("north", "south")
    assert [e.entry_id for e in restored.approved_for_item("STEAM-LP")] == ["e1"]
    restored.approve_entry("e2", ACTOR, BEFORE_DEADLINE)  # collecting, still
    assert [e.entry_id for e in restored.approved_for_item("STEAM-LP")] == ["e1", "e2"]


def long_chart(store: EventSourcingStore, events: int) -> Organisation:
    """A chart of a few units restructured until its stream has `events` events, one save
    per command as the handlers do (so the store snapshots on its own)."""
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    org.register_unit("HQ", "Group", Level.GROUP, None, None, actor=ACTOR, timestamp=at(1))
    store.save(org)
    n = 0
    while org.version < events:
        n += 1
        if n % 7 == 0:
            org.register_unit(f"P{n}", f"P {n}", Level.PLATFORM, "HQ", f"s{n}", ACTOR, at(n))
        elif n % 5 == 0 and len(org.units) > 1:
            org.update_unit(sorted(org.units)[-1], ACTOR, at(n), active=n % 10 != 0)
        else:
            org.update_unit("HQ", ACTOR, at(n), name=f"Group {n}")
        store.save(org)
    return org


class Replaying:
    """The store as audit reads it, but every state replayed from version 1."""

    def __init__(self, store: EventSourcingStore) -> None:
        self.store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def state_at(self, aggregate_id: str, version: int | None) -> Any:
        return replay(self.store, aggregate_id, version)


def test_past_states_through_snapshots_equal_a_replay_from_version_one(
    open_store: StoreFactory,
) -> None:
    writer = open_store()
    org = long_chart(writer, 350)
    snapshots = writer._app.snapshots
    assert snapshots is not None
    assert [s.originator_version for s in snapshots.get(ORGANISATION_ID)] == [100, 200, 300]
    cold = open_store()  # another process: nothing cached
    slow: Any = Replaying(cold)
    for v in (1, 2, 50, 99, 100, 101, 199, 200, 250, 300, 301, 349, 350, None):
        audited = history.state_at(cold, ORGANISATION_ID, v)
        assert audited == history.state_at(slow, ORGANISATION_ID, v), v
        assert audited["version"] == (v or org.version)
    restored = cold.state_at(ORGANISATION_ID, 250)
    same(state_of(replay(cold, ORGANISATION_ID, 250)), state_of(restored), "chart at 250")


def test_a_long_catalog_review_snapshots_and_reads_back_at_any_version(
    open_store: StoreFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A shorter interval than the catalog's own (the library reads this very mapping), so the
    # stream need not hold 10^4 events to have snapshots.
    monkeypatch.setitem(SNAPSHOT_INTERVALS, CatalogVersion, 500)
    store = open_store()
    v = CatalogVersion.open(
        "cat-long", "2027H1", date(2027, 1, 1), date(2027, 6, 30), DEADLINE, ACTOR, OPENED
    )
    store.save(v)
    v.submit(
        "PWR",
        [entry(f"e{n:04d}", supplier=f"S{n:04d}") for n in range(1100)],
        ACTOR,
        BEFORE_DEADLINE,
    )
    store.save(v)
    for n in range(1100):
        if n % 9 == 0:
            v.reject_entry(f"e{n:04d}", "no capacity", ACTOR, BEFORE_DEADLINE)
        else:
            v.approve_entry(f"e{n:04d}", ACTOR, BEFORE_DEADLINE)
        store.save(v)
    snapshots = store._app.snapshots
    assert snapshots is not None
    assert [s.originator_version for s in snapshots.get(v.id)] == [500, 1000]
    cold = open_store()
    slow: Any = Replaying(cold)
    for at_version in (3, 499, 500, 501, 999, 1000, 1001, 1102):
        assert history.state_at(cold, v.id, at_version) == history.state_at(slow, v.id, at_version)
    restored = cold.state_at(v.id, 1050)
    assert isinstance(restored, CatalogVersion)
    assert restored.entries["e1040"].status is EntryStatus.APPROVED
    assert len(restored.approved_for_item("STEAM-LP")) == len(
        replay(cold, v.id, 1050).approved_entries()
    )


def test_moments_and_pages_of_a_long_stream(open_store: StoreFactory) -> None:
    store = open_store()
    long_chart(store, 230)
    ledger = Ledger(store.location)
    try:
        events: list[MarketEvent] = list(store.events_of(ORGANISATION_ID))
        for event in (events[0], events[57], events[199], events[-1]):
            for moment in (event.timestamp, event.timestamp + timedelta(seconds=30)):
                expected = max(e.originator_version for e in events if e.timestamp <= moment)
                assert history.version_at(store, ORGANISATION_ID, moment) == expected
                assert history.state_at(
                    store, ORGANISATION_ID, None, as_of=moment
                ) == history.state_at(store, ORGANISATION_ID, expected)
        with pytest.raises(NotFound):
            history.version_at(store, ORGANISATION_ID, T0 - timedelta(seconds=1))

        whole = history.events_of(store, ledger, ORGANISATION_ID)
        paged: list[history.AuditEvent] = []
        cursor = None
        while True:
            page = history.events_page(store, ledger, ORGANISATION_ID, PageRequest(64, cursor))
            assert len(page.items) <= 64
            paged += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
        assert paged == whole and [e.version for e in paged] == list(range(1, 231))
        assert all(e.hash and e.prev_hash and e.position for e in paged)
        with pytest.raises(NotFound):
            history.events_page(store, ledger, "nothing-here", PageRequest())
    finally:
        ledger.close()


def test_the_moment_of_a_stream_in_one_second(open_store: StoreFactory) -> None:
    """Several events at the same instant: the moment is at the last of them."""
    store = open_store()
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    org.register_unit("HQ", "Group", Level.GROUP, None, None, actor=ACTOR, timestamp=T0)
    same_time: datetime = at(5)
    for n in range(6):
        org.update_unit("HQ", ACTOR, same_time, name=f"G{n}")
    org.update_unit("HQ", ACTOR, at(9), name="later")
    store.save(org)
    assert history.version_at(store, ORGANISATION_ID, same_time) == 8
    assert history.version_at(store, ORGANISATION_ID, at(4)) == 2
    assert history.version_at(store, ORGANISATION_ID, at(10)) == 9


def test_the_moment_of_a_bursty_stream(open_store: StoreFactory) -> None:
    """Bursts of events in one minute between long quiet spells: the search that guesses from
    the times still lands on the last event at or before each moment."""
    store = open_store()
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    org.register_unit("HQ", "Group", Level.GROUP, None, None, actor=ACTOR, timestamp=T0)
    n = 0
    for burst, size in enumerate((300, 3, 150, 1, 400, 20)):
        start = T0 + timedelta(days=30 * burst + 1)
        for k in range(size):
            n += 1
            org.update_unit("HQ", ACTOR, start + timedelta(milliseconds=k), name=f"G{n}")
        store.save(org)
    events = list(store.events_of(ORGANISATION_ID))
    moments = [e.timestamp for e in events[::37]] + [
        T0 + timedelta(days=d, hours=h) for d in (0, 1, 29, 31, 61, 95, 130, 170) for h in (0, 5)
    ]
    for moment in moments:
        expected = max(e.originator_version for e in events if e.timestamp <= moment)
        assert history.version_at(store, ORGANISATION_ID, moment) == expected, moment
