"""The event store keeps aggregates, who acted and when, and refuses lost races."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.aggregates.base import Actor
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.handlers.errors import ConcurrencyConflict
from marketplace.handlers.ports import NotificationLog
from tests.conftest import POSTGRES_URL
from tests.integration.conftest import StoreFactory
from tests.unit.org_fixtures import ACTOR, T0, at

# The event store itself: both stores.
pytestmark = pytest.mark.both_stores


def new_chart() -> Organisation:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    org.register_unit("HQ", "Group", Level.GROUP, None, None, actor=ACTOR, timestamp=at(1))
    return org


def test_a_saved_aggregate_loads_back_in_a_new_process(open_store: StoreFactory) -> None:
    open_store().save(new_chart())
    loaded = open_store().get(ORGANISATION_ID, Organisation)
    assert loaded is not None
    assert loaded.units["HQ"].level is Level.GROUP
    assert loaded.version == 2


def test_every_stored_event_carries_the_actor_and_the_commands_time(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    org = new_chart()
    other = Actor(unit_id="HQ", token_id="tok_other")
    org.register_unit("P", "Platform", Level.PLATFORM, "HQ", "p", actor=other, timestamp=at(9))
    store.save(org)
    events: list[Any] = list(open_store().events_of(ORGANISATION_ID))
    assert [(e.actor, e.timestamp) for e in events] == [(ACTOR, T0), (ACTOR, at(1)), (other, at(9))]


def test_a_stale_writer_gets_a_concurrency_conflict_and_stores_nothing(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    store.save(new_chart())
    first = store.get(ORGANISATION_ID, Organisation)
    second = open_store().get(ORGANISATION_ID, Organisation)
    assert first is not None and second is not None
    first.update_unit("HQ", ACTOR, at(2), name="First")
    second.update_unit("HQ", ACTOR, at(3), name="Second")
    store.save(first)
    head = store.head()
    with pytest.raises(ConcurrencyConflict):
        open_store().save(second)
    assert store.head() == head
    reloaded = open_store().get(ORGANISATION_ID, Organisation)
    assert reloaded is not None and reloaded.units["HQ"].name == "First"


def test_a_long_history_reloads_through_a_snapshot(open_store: StoreFactory) -> None:
    store = open_store()
    org = new_chart()
    store.save(org)
    for i in range(120):
        org.update_unit("HQ", ACTOR, at(i), name=f"Group {i}")
        store.save(org)
    loaded = open_store().get(ORGANISATION_ID, Organisation)
    assert loaded is not None
    assert loaded.units["HQ"].name == "Group 119"
    assert loaded.version == org.version == 122
    library = store._app  # the library's own snapshot store: no port shows snapshots
    assert library.snapshots is not None
    snapshots = list(library.snapshots.get(ORGANISATION_ID))
    assert [s.originator_version for s in snapshots] == [100]


def test_the_head_counts_every_stored_event(open_store: StoreFactory) -> None:
    store = open_store()
    assert store.head() == 0
    store.save(new_chart())
    assert store.head() == 2


def test_the_notification_log_pages_decodes_and_goes_back_in_time(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    org = new_chart()
    org.update_unit("HQ", ACTOR, at(2), name="Renamed")
    store.save(org)
    log: NotificationLog = open_store()
    assert log.head() == 3
    page = log.read(0, 2)
    assert [(r.id, r.originator_id, r.originator_version) for r in page] == [
        (1, ORGANISATION_ID, 1),
        (2, ORGANISATION_ID, 2),
    ]
    [last] = log.read(2, 10)
    assert log.read(3, 10) == []
    assert type(log.decode(last)).__name__ == "UnitRenamed"
    assert log.decode(last).timestamp == at(2)
    assert log.attributes(last)["name"] == "Renamed"
    assert [e.originator_version for e in log.events_of(ORGANISATION_ID)] == [1, 2, 3]
    assert log.events_of("nobody") == []
    then = log.state_at(ORGANISATION_ID, 2)
    assert isinstance(then, Organisation) and then.units["HQ"].name == "Group"
    now = log.state_at(ORGANISATION_ID, None)
    assert isinstance(now, Organisation) and now.units["HQ"].name == "Renamed"


@pytest.mark.postgres
def test_a_postgresql_save_takes_the_events_tables_exclusive_lock(pg_schema: str) -> None:
    """Ids must commit in their order, or a reader tailing the log passes over one committed
    late: each save locks the table (one server-side call now, see adapters/postgres.py)."""
    store = EventSourcingStore(StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=pg_schema))
    table = f"{pg_schema}.{store.events_table_name}"
    try:
        with psycopg.connect(POSTGRES_URL) as holder, psycopg.connect(POSTGRES_URL) as look:
            holder.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")  # what an insert takes
            saving = threading.Thread(target=store.save, args=(new_chart(),))
            saving.start()
            asked: list[tuple[str, bool]] = []
            deadline = time.monotonic() + 30
            while not asked and time.monotonic() < deadline:
                asked = look.execute(
                    "SELECT mode, granted FROM pg_locks WHERE relation = %s::regclass "
                    "AND pid <> pg_backend_pid() AND mode = 'ExclusiveLock'",
                    (table,),
                ).fetchall()
                look.rollback()
            assert asked == [("ExclusiveLock", False)]  # the save waits for the lock
            holder.rollback()
            saving.join(30)
        assert store.head() == 2  # and saved once it had it
    finally:
        store.close()
