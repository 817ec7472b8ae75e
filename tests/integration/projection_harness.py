"""Drives projections in tests: a chart written by the handlers, fed in-process or via Kafka."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from marketplace.adapters.kafka_topics import TopicSettings
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import Level
from marketplace.bootstrap import event_sourcing_store
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.units import UNITS_TOPIC
from marketplace.handlers import units
from marketplace.handlers.ports import Services
from marketplace.handlers.tokens import IssueToken, issue_token_as
from marketplace.projections import directory
from marketplace.projections.catch_up import catch_up
from marketplace.projections.changes import Increment, RowChange
from marketplace.projections.event_log import EventLog
from marketplace.projections.kafka_feed import ProjectionConsumer
from marketplace.projections.location import ReadModelLocation
from marketplace.projections.location import open_store as open_read_models
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tables import Column, ColumnType, Table
from marketplace.projections.tracking import TopicEvent, apply_log_batch
from marketplace.relay.position import open_positions
from marketplace.relay.publisher import KafkaPublisher
from marketplace.relay.relay import Relay, RelayConfig
from tests.conftest import BROKER
from tests.integration.conftest import HQ_ADMIN

# Test-only: a counter per event type, so any double counting shows.
TALLY_TABLE = Table(
    "tally_events",
    columns=(
        Column("type", ColumnType.TEXT),
        Column("events", ColumnType.INTEGER),
        Column("weight", ColumnType.DECIMAL),
    ),
    key=("type",),
)


def tally(event: CloudEvent) -> list[RowChange]:
    return [
        Increment(TALLY_TABLE.name, {"type": event.type}, {"events": 1, "weight": Decimal("0.10")})
    ]


TALLY = Projection("tally", 1, (UNITS_TOPIC,), (TALLY_TABLE,), tally)
UNDER_TEST = (directory.PROJECTION, TALLY)
# A group joins in about a second with these, instead of several.
FAST_GROUP: dict[str, Any] = {
    "session_timeout_ms": 1000,
    "heartbeat_interval_ms": 100,
    "rebalance_timeout_ms": 500,
}


def write_chart(svc: Services, *, suffix: str = "") -> None:
    """Register and restructure units through the handlers: every kind of unit event."""

    def register(uid: str, level: Level, parent: str | None, sector: str | None = None) -> None:
        units.register_unit(svc, HQ_ADMIN, units.RegisterUnit(uid, uid, level, parent, sector))

    if not suffix:
        register("HQ", Level.GROUP, None)
        register("PWR", Level.PLATFORM, "HQ", "power")
        register("HEAT", Level.PLATFORM, "HQ", "heat")
    register(f"PWR-01{suffix}", Level.ENTERPRISE, "PWR")
    register(f"PWR-02{suffix}", Level.ENTERPRISE, "PWR")
    register(f"PWR-01A{suffix}", Level.ENTERPRISE, f"PWR-01{suffix}")
    update = units.UpdateUnit
    units.update_unit(svc, HQ_ADMIN, update(f"PWR-02{suffix}", name="Renamed"))
    units.update_unit(svc, HQ_ADMIN, update(f"PWR-02{suffix}", parent_id="HEAT", sector="heat"))
    units.update_unit(svc, HQ_ADMIN, update(f"PWR-01A{suffix}", active=False))
    # An internal event between public ones: positions advance over it.
    issue_token_as(svc, HQ_ADMIN.actor, IssueToken("PWR", [Role.PLATFORM_ADMIN], suffix))
    units.update_unit(svc, HQ_ADMIN, update(f"PWR-01A{suffix}", active=True))
    units.update_unit(svc, HQ_ADMIN, update(f"PWR-01A{suffix}", active=False))


async def all_events(log: EventLog) -> list[TopicEvent]:
    page = await log.read(0, 100_000)
    return page.events if page else []


async def rows(store: ReadModelStore, table: Table) -> list[dict[str, Any]]:
    columns = ", ".join(c.name for c in table.columns)
    order = ", ".join(table.key)
    return await store.fetch(
        f"SELECT {columns} FROM {table.name} ORDER BY {order}", [], table.types
    )


async def tally_counts(store: ReadModelStore) -> dict[str, tuple[int, Decimal]]:
    return {r["type"]: (r["events"], r["weight"]) for r in await rows(store, TALLY_TABLE)}


class Feed(Protocol):
    async def deliver(self) -> None:
        """Everything in the event store so far reaches the projections."""

    async def redeliver(self) -> None:
        """Everything delivered so far is delivered again (a replay, a redelivery)."""

    async def restart(self, projections: tuple[Projection, ...]) -> None:
        """Feed these (e.g. new versions) from now on."""


@dataclass
class InProcess:
    store: ReadModelStore
    log: EventLog
    projections: tuple[Projection, ...] = UNDER_TEST

    async def deliver(self) -> None:
        for projection in self.projections:
            await catch_up(self.store, projection, self.log)

    async def redeliver(self) -> None:
        events = await all_events(self.log)
        head = await self.log.head()
        for projection in self.projections:
            assert await apply_log_batch(self.store, projection, events, head) == 0

    async def restart(self, projections: tuple[Projection, ...]) -> None:
        self.projections = projections


class ViaKafka:
    """Publishes the store's public events like the relay would; consumers run meanwhile."""

    def __init__(self, store: ReadModelStore, log: EventLog, projections: tuple[Projection, ...]):
        self.store = store
        self.log = log
        self.projections = projections
        self.prefix = f"test{uuid.uuid4().hex[:10]}."
        self.published = 0  # event store position published up to
        self.ends: dict[tuple[str, int], int] = {}  # next offset of each partition written
        self._producer = AIOKafkaProducer(bootstrap_servers=BROKER)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.consumers: list[ProjectionConsumer] = []

    async def start(self, *, consumers: bool = True) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=BROKER)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(self.prefix + UNITS_TOPIC, 2, 1)])
        finally:
            await admin.close()
        await self._producer.start()
        if consumers:
            for projection in self.projections:
                self.start_consumer(projection)

    def consumer(self, projection: Projection) -> ProjectionConsumer:
        return ProjectionConsumer(
            projection,
            self.store,
            bootstrap=BROKER,
            topic_prefix=self.prefix,
            consumer_options=FAST_GROUP,
        )

    def start_consumer(self, projection: Projection) -> None:
        self.consumers.append(self.consumer(projection))
        self._tasks.append(asyncio.create_task(self.consumers[-1].run(self._stop)))

    async def publish(self, events: list[TopicEvent]) -> None:
        for topic, event in events:
            meta = await self._producer.send_and_wait(
                self.prefix + topic, event.to_bytes(), key=event.subject.encode()
            )
            self.ends[(meta.topic, meta.partition)] = meta.offset + 1
            self.published = max(self.published, event.sequence)

    async def deliver(self) -> None:
        await self.publish(
            [(t, e) for t, e in await all_events(self.log) if e.sequence > self.published]
        )
        await self.consumed()

    async def redeliver(self) -> None:
        await self.publish(await all_events(self.log))
        await self.consumed()

    async def consumed(self, timeout: float = 30) -> None:
        """Wait until every projection's tracked offsets reach what was published."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for task in self._tasks:
                if task.done():
                    task.result()  # a consumer that died says why
            if all([await self._caught_up(p) for p in self.projections]):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"consumers did not reach {self.ends} within {timeout} s")

    async def _caught_up(self, projection: Projection) -> bool:
        tracked = await self.store.fetch(
            "SELECT topic, partition_id, next_offset FROM projection_offsets WHERE name = $1",
            [projection.name],
            {},
        )
        got = {(r["topic"], r["partition_id"]): r["next_offset"] for r in tracked}
        return all(got.get(tp, 0) >= end for tp, end in self.ends.items())

    async def restart(self, projections: tuple[Projection, ...]) -> None:
        await self.stop()
        self.projections = projections
        for projection in projections:
            self.start_consumer(projection)

    async def committed(self, group: str) -> dict[tuple[str, int], int]:
        """The offsets a consumer group committed to Kafka, of the partitions written to."""
        reader = AIOKafkaConsumer(
            bootstrap_servers=BROKER, group_id=group, enable_auto_commit=False
        )
        await reader.start()  # subscribes to nothing: it only asks the group's coordinator
        try:
            found = {tp: await reader.committed(TopicPartition(*tp)) for tp in self.ends}
        finally:
            await reader.stop()
        return {tp: offset for tp, offset in found.items() if offset is not None}

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self.consumers.clear()
        self._stop = asyncio.Event()

    async def close(self) -> None:
        await self.stop()
        await self._producer.stop()


Figures = TypeVar("Figures")


async def replayed_into(
    store: Any,
    path: Path,
    projections: tuple[Projection, ...],
    read: Callable[[ReadModelStore], Awaitable[Figures]],
) -> Figures:
    """Replay the event store (an EventSourcingStore) into a fresh SQLite read model at
    `path`, in-process, and return what `read` gives."""
    read_models = await open_read_models(ReadModelLocation(sqlite_path=path))
    try:
        for projection in projections:
            await read_models.create(projection)
            await catch_up(read_models, projection, EventLog(store))
        return await read(read_models)
    finally:
        await read_models.close()


async def relayed_into(
    svc: Services,
    path: Path,
    projections: tuple[Projection, ...],
    read: Callable[[ReadModelStore], Awaitable[Figures]],
    expected: Figures,
    *,
    timeout: float = 30,
) -> Figures:
    """The real relay publishes the store, one consumer group per projection feeds a fresh
    SQLite read model; returns what `read` gives once it equals `expected` or time is up."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    positions = open_positions(svc.store.location)  # type: ignore[attr-defined]
    relay = Relay(
        event_sourcing_store(svc.store),
        positions,
        KafkaPublisher(BROKER),
        RelayConfig(topic_prefix=prefix, topics=TopicSettings(partitions=3), poll_interval=0.05),
    )
    read_models = await open_read_models(ReadModelLocation(sqlite_path=path))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(relay.run(stop))]
    try:
        for projection in projections:
            await read_models.create(projection)
            consumer = ProjectionConsumer(
                projection, read_models, bootstrap=BROKER, topic_prefix=prefix
            )
            tasks.append(asyncio.create_task(consumer.run(stop)))
        deadline = time.monotonic() + timeout
        current = await read(read_models)
        while current != expected and time.monotonic() < deadline:
            for task in tasks:
                if task.done():
                    task.result()  # a relay or consumer that died says why
            await asyncio.sleep(0.1)
            current = await read(read_models)
        return current
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await read_models.close()
        positions.close()
