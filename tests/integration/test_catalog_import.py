"""A large catalog submission on both stores: bounded events, all or nothing, the same catalog.

A file of some ten megabytes (entries with long names and many regions, the largest the input
rules allow) is recorded as chunk events none of which is over 1 MB, stored or on the bus, in
one save: on PostgreSQL a save that large hung in psycopg's pipeline mode before.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import pytest

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion, EntryStatus
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.catalog import CATALOG_TOPIC
from marketplace.events.wire import envelope_bytes, to_cloud_event, to_envelope
from marketplace.handlers import catalog
from marketplace.handlers.auth import Principal
from marketplace.handlers.catalog_csv import COLUMNS, CsvRejected
from marketplace.handlers.catalog_import import import_csv
from marketplace.handlers.errors import ConcurrencyConflict
from marketplace.projections import catalog_search
from marketplace.projections.changes import Upsert
from tests.conftest import BROKER, require_broker
from tests.integration.conftest import HQ_ADMIN, StoreFactory, services_on
from tests.integration.test_relay import caught_up, events_of, running_relay
from tests.kafka_support import consume
from tests.unit.org_fixtures import ACTOR

pytestmark = pytest.mark.both_stores

MB = 1_000_000
NOW = datetime(2027, 1, 1, tzinfo=UTC)
PLATFORM = Principal("cli", "PWR", frozenset({Role.PLATFORM_ADMIN}))
SUPPLIERS = 20
H1 = catalog.OpenVersion(
    "2027H1", date(2027, 1, 1), date(2027, 6, 30), datetime(2030, 1, 1, tzinfo=UTC)
)


def chart(store: EventSourcingStore) -> None:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=NOW)
    org.register_unit("HQ", "HQ", Level.GROUP, None, None, ACTOR, NOW)
    org.register_unit("PWR", "Power", Level.PLATFORM, "HQ", "power", ACTOR, NOW)
    for s in range(SUPPLIERS):
        org.register_unit(f"S-{s}", f"Supplier {s}", Level.ENTERPRISE, "PWR", "power", ACTOR, NOW)
    store.save(org)


def big_csv(entries: int, last: str | None = None) -> str:
    """`entries` rows of about 6 kB each (a 300-character name, 50 regions of 100), and
    `last` as the final row if given."""
    regions = ";".join(f"{r:02d}" + "区" * 30 + "r" * 68 for r in range(50))
    rows = [",".join(COLUMNS)]
    rows += [
        f"S-{i % SUPPLIERS},product,heat,ITEM-{i:05d},{'蒸' * 100}{'n' * 190}{i:010d},t,"
        f"{100 + i}.50,{i} t/year,{regions}"
        for i in range(entries)
    ]
    return "\n".join([*rows, *([last] if last else [])]) + "\n"


def stored_after(store: EventSourcingStore, head: int) -> list[tuple[int, str, int]]:
    """(position, topic, stored size) of every event stored after position `head`."""
    found = []
    for record in store.read(head, 10_000):
        found.append((record.id, record.topic, len(record.state)))
    return found


def test_a_large_import_is_stored_in_events_under_1_mb_and_reloads_the_same(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    chart(store)
    svc = services_on(store)
    version = catalog.open_version(svc, HQ_ADMIN, H1)
    head = store.head()
    text = big_csv(1500)
    assert len(text.encode()) > 8 * MB  # beyond what one pipelined save took on PostgreSQL

    ids = import_csv(svc, PLATFORM, version.id, text)

    assert len(ids) == 1500
    stored = stored_after(store, head)
    assert len(stored) > 8  # recorded in chunks, not as one event
    assert all(topic.endswith("CatalogVersion.EntriesSubmitted") for _, topic, _ in stored)
    assert max(size for _, _, size in stored) < MB
    assert sum(size for _, _, size in stored) > 8 * MB
    on_the_bus = []
    for record in store.read(head, 10_000):
        envelope = to_envelope(store.decode(record), record.id)
        assert envelope is not None
        on_the_bus.append(len(envelope_bytes(envelope)))
    assert max(on_the_bus) < MB

    # Another process replaying the stored events sees the same catalog.
    reloaded = open_store().get(version.id, CatalogVersion)
    assert reloaded is not None
    assert list(reloaded.entries) == ids
    assert all(e.status is EntryStatus.PENDING for e in reloaded.entries.values())
    assert reloaded.entries == catalog.load_version(svc, version.id).entries


def test_a_wrong_line_at_the_end_of_a_large_import_leaves_nothing(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    chart(store)
    svc = services_on(store)
    version = catalog.open_version(svc, HQ_ADMIN, H1)
    head = store.head()
    duplicate = "S-0,product,heat,ITEM-00000,Again,t,1.00,,"
    with pytest.raises(CsvRejected) as info:
        import_csv(svc, PLATFORM, version.id, big_csv(1500, last=duplicate))
    assert info.value.problems == [
        "line 1502: Supplier 'S-0' already has item 'ITEM-00000' in this version. [duplicate_entry]"
    ]
    assert store.head() == head
    assert open_store().get(version.id, CatalogVersion).entries == {}  # type: ignore[union-attr]


def test_a_save_that_fails_at_a_later_chunk_stores_none_of_the_earlier_ones(
    open_store: StoreFactory,
) -> None:
    """The submission's chunk events are saved in one transaction: a conflict on the fourth
    (another writer holds that version number) leaves the first three unstored too."""
    store = open_store()
    opened = CatalogVersion.open(
        "cat-1", "2027H1", date(2027, 1, 1), date(2027, 6, 30), NOW.replace(year=2030), ACTOR, NOW
    )
    store.save(opened)
    submitting = store.get("cat-1", CatalogVersion)
    assert submitting is not None
    names = "蒸" * 100 + "n" * 190
    submitting.submit(
        "PWR",
        [
            CatalogEntry(f"e{i}", "PWR", f"S-{i % 9}", "product", "heat", f"I-{i}", names, "t")
            for i in range(6000)
        ],
        ACTOR,
        NOW,
    )
    assert len(submitting.pending_events) >= 5
    # Another writer's event at the fourth chunk's version number, stored directly.
    other = store.get("cat-1", CatalogVersion)
    assert other is not None
    for i in range(3):
        other.submit(
            "PWR",
            [CatalogEntry(f"o{i}", "PWR", "S-0", "product", "heat", f"O-{i}", "x", "t")],
            ACTOR,
            NOW,
        )
    fourth = other.collect_events()[2]
    library = store._app  # no port inserts a single foreign event: the library's recorder does
    library.recorder.insert_events([library.mapper.to_stored_event(fourth)])

    with pytest.raises(ConcurrencyConflict):
        store.save(submitting)

    versions = [e.originator_version for e in open_store().events_of("cat-1")]
    assert versions == [1, 4]


def rows_of(events: list[CloudEvent]) -> dict[tuple[str, str], dict[str, object]]:
    """The catalog search rows the events make, folded as the read-model store does."""
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for event in events:
        for change in catalog_search.apply(event):
            assert isinstance(change, Upsert)
            key = (change.table, str(sorted(change.key.items())))
            rows[key] = {**rows.get(key, {}), **change.key, **change.values}
    return rows


async def test_a_large_import_reaches_the_bus_in_messages_under_1_mb_with_the_same_catalog(
    open_store: StoreFactory,
) -> None:
    """What a Kafka consumer reads builds the same search rows as a replay of the store."""
    require_broker()
    store = open_store()
    chart(store)
    svc = services_on(store)
    version = catalog.open_version(svc, HQ_ADMIN, H1)
    await asyncio.to_thread(import_csv, svc, PLATFORM, version.id, big_csv(1500))
    prefix = f"t{uuid.uuid4().hex[:10]}."
    async with running_relay(store, BROKER, prefix) as relay:
        await caught_up(relay, store, timeout=60)
    catalog_events = [
        e for r in store.read(0, 10_000) if (e := to_cloud_event(store.decode(r), r.id))
    ]
    catalog_events = [e for e in catalog_events if e.subject == version.id]
    messages = await consume(
        BROKER, [prefix + CATALOG_TOPIC], until_count=len(catalog_events), timeout=60
    )
    assert max(len(value) for *_, value in messages) < MB
    received = sorted(events_of(messages), key=lambda e: e.sequence)
    assert [e.id for e in received] == [e.id for e in catalog_events]
    from_bus, replayed = rows_of(received), rows_of(catalog_events)
    assert from_bus == replayed
    assert sum(1 for table, _ in replayed if table == catalog_search.ENTRIES.name) == 1500
