"""The relay against a real Kafka-protocol broker on both stores: order, resumption, faults."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.adapters.kafka_topics import TopicSettings
from marketplace.aggregates.base import Actor
from marketplace.aggregates.organisation import Level
from marketplace.bootstrap import build_relay
from marketplace.demo import organisation_yaml
from marketplace.events.envelope import CloudEvent
from marketplace.handlers import units
from marketplace.handlers.ports import Services
from marketplace.handlers.unit_import import import_units
from marketplace.projections import directory
from marketplace.projections.kafka_feed import ProjectionConsumer
from marketplace.projections.location import ReadModelLocation
from marketplace.projections.location import open_store as open_read_models
from marketplace.relay.position import open_positions
from marketplace.relay.publisher import KafkaPublisher
from marketplace.relay.relay import Relay, RelayConfig
from marketplace.settings import Settings
from tests.conftest import BROKER, require_broker
from tests.e2e.conftest import free_port
from tests.integration.conftest import HQ_ADMIN, StoreFactory, services_on
from tests.integration.projection_harness import replayed_into
from tests.kafka_support import PrivateBroker, TcpLink, consume

# The relay reads each store's log and keeps its position there: both stores.
pytestmark = pytest.mark.both_stores

CLI = Actor(unit_id=None, token_id="cli")


def public_count(store: EventSourcingStore) -> int:
    """How many stored events are public (all but the chart's establishment, here)."""
    return store.head() - 1


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def seeded(open_store: StoreFactory) -> tuple[EventSourcingStore, Services]:
    store = open_store()
    svc = services_on(store)
    import_units(svc, CLI, organisation_yaml())
    return store, svc


@asynccontextmanager
async def running_relay(
    store: EventSourcingStore,
    bootstrap: str,
    prefix: str,
    batch_size: int = 500,
    compression: str = "none",
) -> AsyncIterator[Relay]:
    positions = open_positions(store.location)
    relay = Relay(
        store,
        positions,
        KafkaPublisher(bootstrap, compression=compression),
        RelayConfig(
            topic_prefix=prefix,
            topics=TopicSettings(partitions=3),
            batch_size=batch_size,
            poll_interval=0.05,
            max_backoff=0.5,
        ),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        positions.close()


async def caught_up(relay: Relay, store: EventSourcingStore, timeout: float = 30) -> None:
    for _ in range(int(timeout / 0.05)):
        if relay.position >= store.head():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"relay stuck at {relay.position}, head {store.head()}")


def events_of(messages: list[tuple[str, int, bytes, bytes]]) -> list[CloudEvent]:
    return [CloudEvent.from_bytes(value) for _, _, _, value in messages]


def assert_complete_and_ordered(events: list[CloudEvent], store: EventSourcingStore) -> None:
    """Every public event arrived (duplicates allowed) and each key's events are in order."""
    assert {e.sequence for e in events} == set(range(2, store.head() + 1))
    by_subject: dict[str, list[int]] = {}
    for e in events:
        by_subject.setdefault(e.subject, []).append(e.aggregateversion)
    for versions in by_subject.values():
        deduplicated = list(dict.fromkeys(versions))
        assert deduplicated == sorted(deduplicated)


async def test_events_arrive_once_in_order_as_cloudevents(
    seeded: tuple[EventSourcingStore, Services], prefix: str
) -> None:
    require_broker()
    store, _ = seeded
    async with running_relay(store, BROKER, prefix, batch_size=7) as relay:
        await caught_up(relay, store)
    messages = await consume(
        BROKER, [prefix + "marketplace.units"], until_count=public_count(store)
    )
    events = events_of(messages)
    assert len(events) == public_count(store)
    assert_complete_and_ordered(events, store)
    first = json.loads(messages[0][3])
    assert set(first) == {
        "specversion",
        "id",
        "source",
        "type",
        "subject",
        "time",
        "datacontenttype",
        "dataschema",
        "sequence",
        "aggregateversion",
        "data",
    }
    assert first["type"] == "marketplace.unit.registered.v1"
    assert messages[0][2] == b"organisation" == first["subject"].encode()
    assert len({e.id for e in events}) == len(events)


async def test_a_restarted_relay_resumes_from_its_saved_position(
    seeded: tuple[EventSourcingStore, Services], prefix: str
) -> None:
    require_broker()
    store, svc = seeded
    async with running_relay(store, BROKER, prefix) as relay:
        await caught_up(relay, store)
    first_head = store.head()
    for i in range(5):
        units.update_unit(svc, HQ_ADMIN, units.UpdateUnit("PWR-01", name=f"Plant {i}"))
    async with running_relay(store, BROKER, prefix) as relay:
        assert relay.position >= 0
        await caught_up(relay, store)
        assert relay.published == store.head() - first_head
    events = events_of(
        await consume(BROKER, [prefix + "marketplace.units"], until_count=public_count(store))
    )
    assert len(events) == public_count(store)
    assert_complete_and_ordered(events, store)


async def test_commands_are_accepted_while_the_broker_is_down_and_delivered_later(
    seeded: tuple[EventSourcingStore, Services], prefix: str
) -> None:
    store, svc = seeded
    broker = PrivateBroker()
    try:
        async with running_relay(store, broker.bootstrap, prefix) as relay:
            for i in range(20):
                await asyncio.to_thread(
                    units.update_unit, svc, HQ_ADMIN, units.UpdateUnit("HEAT-01", name=f"H{i}")
                )
            await asyncio.sleep(0.5)
            assert relay.position == 0
            broker.start()
            await caught_up(relay, store)
        events = events_of(
            await consume(
                broker.bootstrap, [prefix + "marketplace.units"], until_count=public_count(store)
            )
        )
        assert_complete_and_ordered(events, store)
    finally:
        broker.stop()


async def test_an_outage_during_a_burst_loses_nothing(
    seeded: tuple[EventSourcingStore, Services], prefix: str, tmp_path: Path
) -> None:
    store, svc = seeded
    link_port = free_port()
    broker = PrivateBroker(advertised_port=link_port).start()
    link = TcpLink(link_port, broker.port)
    link.restore()
    burst_done = threading.Event()

    def burst() -> None:
        for i in range(150):
            units.update_unit(svc, HQ_ADMIN, units.UpdateUnit("COAL-01", name=f"Methanol {i}"))
        burst_done.set()

    try:
        async with running_relay(store, broker.bootstrap, prefix, batch_size=20) as relay:
            writer = threading.Thread(target=burst)
            writer.start()
            while relay.position < 40:
                await asyncio.sleep(0.01)
            link.cut()
            await asyncio.sleep(1.5)
            cut_position = relay.position
            link.restore()
            await asyncio.to_thread(writer.join)
            await caught_up(relay, store)
        assert cut_position < store.head()
        events = events_of(
            await consume(
                broker.bootstrap, [prefix + "marketplace.units"], until_count=public_count(store)
            )
        )
        assert_complete_and_ordered(events, store)
        replayed = await directory_replayed(store, tmp_path / "r.db")
        fed_from_kafka = await directory_via_kafka(
            broker.bootstrap, prefix, tmp_path / "k.db", expected=replayed
        )
        assert fed_from_kafka == replayed
        assert any(u["name"] == "Methanol 149" for u in replayed)
    finally:
        link.shutdown()
        broker.stop()


async def directory_replayed(store: EventSourcingStore, path: Path) -> list[dict[str, Any]]:
    """The directory as a from-scratch replay of the event store builds it."""
    return await replayed_into(store, path, (directory.PROJECTION,), directory.list_units)


async def directory_via_kafka(
    bootstrap: str, prefix: str, path: Path, expected: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The directory a projection consumer builds from what the relay published (waiting up
    to 30 s for it to reach `expected`)."""
    read_models = await open_read_models(ReadModelLocation(sqlite_path=path))
    await read_models.create(directory.PROJECTION)
    consumer = ProjectionConsumer(
        directory.PROJECTION, read_models, bootstrap=bootstrap, topic_prefix=prefix
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        current: list[dict[str, Any]] = []
        for _ in range(300):
            current = await directory.list_units(read_models)
            if current == expected:
                break
            await asyncio.sleep(0.1)
        return current
    finally:
        stop.set()
        await task
        await read_models.close()


def relay_process(
    store: EventSourcingStore, bootstrap: str, prefix: str
) -> subprocess.Popen[bytes]:
    location = store.location
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")} | {
        "MARKETPLACE_KAFKA_BOOTSTRAP": bootstrap,
        "MARKETPLACE_KAFKA_TOPIC_PREFIX": prefix,
        "MARKETPLACE_RELAY_BATCH_SIZE": "50",
    }
    if location.postgres_url:
        env |= {
            "MARKETPLACE_DATABASE_URL": location.postgres_url,
            "MARKETPLACE_DATABASE_SCHEMA": location.postgres_schema,
        }
    else:
        env["MARKETPLACE_DATA_DIR"] = str(location.sqlite_path.parent)
    return subprocess.Popen(
        [sys.executable, "-m", "marketplace", "relay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_relay_killed_mid_batch_loses_nothing_after_restart(
    seeded: tuple[EventSourcingStore, Services], prefix: str
) -> None:
    require_broker()
    store, svc = seeded
    for i in range(600):
        units.update_unit(svc, HQ_ADMIN, units.UpdateUnit("SVC-01", name=f"Logistics {i}"))
    positions = open_positions(store.location)
    try:
        first = relay_process(store, BROKER, prefix)
        deadline = time.monotonic() + 30
        while positions.load() < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = positions.load()
        assert 0 < killed_at < store.head()
        second = relay_process(store, BROKER, prefix)
        try:
            while positions.load() < store.head() and time.monotonic() < deadline + 30:
                time.sleep(0.05)
        finally:
            second.terminate()
            second.wait(10)
        assert positions.load() == store.head()
    finally:
        positions.close()
    messages = asyncio.run(
        consume(BROKER, [prefix + "marketplace.units"], until_count=public_count(store), timeout=20)
    )
    assert_complete_and_ordered(events_of(messages), store)


async def test_a_commit_wakes_the_idle_relay_long_before_its_next_poll(
    open_store: StoreFactory, prefix: str, tmp_path: Path
) -> None:
    """PostgreSQL: a commit by another process NOTIFYs the relay (`marketplace relay`).
    SQLite: the serving process's own saves wake the relay running beside it (all-in-one)."""
    require_broker()
    store = open_store()
    location = store.location
    settings = Settings(
        data_dir=tmp_path,
        database_url=location.postgres_url,
        database_schema=location.postgres_schema,
        kafka_bootstrap=BROKER,
        kafka_topic_prefix=prefix,
        kafka_partitions=3,
        relay_poll_interval=3600,  # only a wake-up can deliver within the test
    )
    svc = services_on(store)
    import_units(svc, CLI, organisation_yaml())
    published = public_count(store)
    stop = asyncio.Event()
    shared = None if location.postgres_url else store
    relay = asyncio.create_task(build_relay(settings, shared).run(stop))
    topic = prefix + "marketplace.units"
    try:
        assert len(await consume(BROKER, [topic], until_count=published)) == published
        await asyncio.sleep(0.3)  # the relay has found nothing more and waits
        writer = open_store() if location.postgres_url else store
        units.register_unit(
            services_on(writer),
            HQ_ADMIN,
            units.RegisterUnit("LATE-01", "Late", Level.ENTERPRISE, "COAL", None),
        )

        def late_arrived(received: list[tuple[str, int, bytes, bytes]]) -> bool:
            return any(b"LATE-01" in value for *_, value in received)

        assert late_arrived(await consume(BROKER, [topic], until=late_arrived, timeout=30))
    finally:
        stop.set()
        await asyncio.wait_for(relay, 30)
