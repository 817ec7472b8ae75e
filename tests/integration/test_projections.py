"""Projections on both read-model stores, fed in-process and from Kafka: exactly-once rows."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from typer.testing import CliRunner

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.aggregates.organisation import Level
from marketplace.bootstrap import build_projection_workers
from marketplace.cli.projections import projections_app
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.units import UNITS_TOPIC
from marketplace.handlers.organisation import load_organisation
from marketplace.handlers.ports import Services
from marketplace.handlers.units import list_units
from marketplace.projections import directory, trade_volume
from marketplace.projections.catch_up import catch_up
from marketplace.projections.changes import Increment, RowChange
from marketplace.projections.event_log import EventLog, LogPage
from marketplace.projections.kafka_feed import group_id
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.projection import Projection, read_by
from marketplace.projections.rebuild import ensure_current, rebuild
from marketplace.projections.registry import PROJECTIONS
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tables import Column, ColumnType, Table
from marketplace.projections.tracking import apply_log_batch, apply_partition_batch
from marketplace.settings import Settings
from tests.conftest import BROKER, POSTGRES_URL, require_broker
from tests.integration.conftest import services_on
from tests.integration.projection_harness import (
    FAST_GROUP,
    TALLY,
    UNDER_TEST,
    Feed,
    InProcess,
    ViaKafka,
    all_events,
    rows,
    tally_counts,
    write_chart,
)

# The read-model stores themselves: both stores.
pytestmark = pytest.mark.both_stores

UNITS = directory.UNITS


@dataclass
class Env:
    """An event store and its read-model store, on one backend."""

    svc: Services
    log: EventLog
    store: ReadModelStore
    location: ReadModelLocation
    settings: Settings


@pytest.fixture
def places(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[StoreLocation, ReadModelLocation, Settings]:
    if backend == "sqlite":
        settings = Settings(data_dir=tmp_path)
        return (
            StoreLocation(sqlite_path=settings.sqlite_path),
            ReadModelLocation(sqlite_path=settings.read_models_path),
            settings,
        )
    schema = request.getfixturevalue("pg_schema")
    settings = Settings(data_dir=tmp_path, database_url=POSTGRES_URL, database_schema=schema)
    return (
        StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=schema),
        ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=settings.read_models_schema),
        settings,
    )


@pytest.fixture
async def env(places: tuple[StoreLocation, ReadModelLocation, Settings]) -> AsyncIterator[Env]:
    events_at, models_at, settings = places
    event_store = EventSourcingStore(events_at)
    store = await open_store(models_at)
    for projection in (*UNDER_TEST, FRAGILE):
        await store.create(projection)
    yield Env(services_on(event_store), EventLog(event_store), store, models_at, settings)
    await store.close()
    event_store.close()


@pytest.fixture(params=["in_process", "kafka"])
async def feed(request: pytest.FixtureRequest, env: Env) -> AsyncIterator[Feed]:
    if request.param == "in_process":
        yield InProcess(env.store, env.log)
        return
    require_broker()
    kafka = ViaKafka(env.store, env.log, UNDER_TEST)
    await kafka.start()
    yield kafka
    await kafka.close()


def chart_rows(svc: Services) -> list[dict[str, Any]]:
    org = load_organisation(svc)
    assert org is not None
    return [
        {
            "id": u.id,
            "name": u.name,
            "level": u.level.value,
            "parent_id": u.parent_id,
            "sector": u.sector,
            "active": u.active,
        }
        for u in sorted(org.units.values(), key=lambda u: u.id)
    ]


async def directory_rows(store: ReadModelStore) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "changed_at"} for r in await rows(store, UNITS)]


async def expected_tally(log: EventLog) -> dict[str, tuple[int, Decimal]]:
    counts = Counter(e.type for _, e in await all_events(log))
    return {t: (n, Decimal("0.10") * n) for t, n in counts.items()}


async def test_the_directory_is_the_chart_and_every_event_counts_once(env: Env, feed: Feed) -> None:
    write_chart(env.svc)
    await feed.deliver()
    assert await directory_rows(env.store) == chart_rows(env.svc)
    assert await tally_counts(env.store) == await expected_tally(env.log)
    by_id = {r["id"]: r for r in await rows(env.store, UNITS)}
    assert by_id["PWR-02"]["changed_at"] > by_id["PWR-01"]["changed_at"]

    write_chart(env.svc, suffix="-B")
    await feed.deliver()
    assert await directory_rows(env.store) == chart_rows(env.svc)
    assert await tally_counts(env.store) == await expected_tally(env.log)
    state = await env.store.state("directory")
    assert state is not None and state.version == 1
    last_public = max(e.sequence for _, e in await all_events(env.log))
    assert state.position in {last_public, await env.log.head()}


async def test_delivering_everything_again_changes_nothing(env: Env, feed: Feed) -> None:
    write_chart(env.svc)
    await feed.deliver()
    before = (await rows(env.store, UNITS), await tally_counts(env.store))
    await feed.redeliver()
    await feed.redeliver()
    assert (await rows(env.store, UNITS), await tally_counts(env.store)) == before


async def test_a_version_bump_rebuilds_the_same_rows(env: Env, feed: Feed) -> None:
    write_chart(env.svc)
    await feed.deliver()
    before = (await rows(env.store, UNITS), await tally_counts(env.store))
    bumped = tuple(replace(p, version=p.version + 1) for p in UNDER_TEST)
    await feed.restart(())
    for projection in bumped:
        await ensure_current(env.store, projection, env.log)
        state = await env.store.state(projection.name)
        assert state is not None and state.version == projection.version
    assert (await rows(env.store, UNITS), await tally_counts(env.store)) == before

    await feed.restart(bumped)
    await feed.redeliver()  # what the old version had consumed counts nothing twice
    write_chart(env.svc, suffix="-B")
    await feed.deliver()
    assert await directory_rows(env.store) == chart_rows(env.svc)
    assert await tally_counts(env.store) == await expected_tally(env.log)


# ----- one transaction (a failing event: see test_projection_failures.py) ------------------

FAILING: set[str] = set()
FRAGILE_TABLE = Table(
    "fragile_events",
    columns=(Column("type", ColumnType.TEXT), Column("events", ColumnType.INTEGER)),
    key=("type",),
)


def fragile(event: CloudEvent) -> list[RowChange]:
    if event.type in FAILING:
        raise RuntimeError(f"cannot reduce {event.type}")
    return [Increment(FRAGILE_TABLE.name, {"type": event.type}, {"events": 1})]


FRAGILE = Projection("fragile", 1, (UNITS_TOPIC,), (FRAGILE_TABLE,), fragile)
RENAMED = "marketplace.unit.renamed.v1"


@pytest.fixture
def failing_renames() -> Iterator[None]:
    FAILING.add(RENAMED)
    yield
    FAILING.clear()


async def fragile_counts(store: ReadModelStore) -> dict[str, int]:
    return {r["type"]: r["events"] for r in await rows(store, FRAGILE_TABLE)}


@pytest.mark.usefixtures("failing_renames")
async def test_rows_and_position_commit_together_or_not_at_all(env: Env) -> None:
    write_chart(env.svc)
    events = await all_events(env.log)
    with pytest.raises(RuntimeError, match="cannot reduce"):
        await apply_log_batch(env.store, FRAGILE, events, await env.log.head())
    assert await fragile_counts(env.store) == {}
    state = await env.store.state("fragile")
    assert state is None or state.position == 0

    FAILING.clear()
    await catch_up(env.store, FRAGILE, env.log)
    assert sum((await fragile_counts(env.store)).values()) == len(events)


async def test_a_crash_between_store_and_kafka_commit_counts_nothing_twice(env: Env) -> None:
    require_broker()
    kafka = ViaKafka(env.store, env.log, (TALLY,))
    await kafka.start(consumers=False)
    try:
        write_chart(env.svc)
        await kafka.publish(await all_events(env.log))
        group = group_id(TALLY, kafka.prefix)
        # The first worker applies everything to the store and dies before committing to Kafka.
        crashing = AIOKafkaConsumer(
            kafka.prefix + UNITS_TOPIC,
            bootstrap_servers=BROKER,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **FAST_GROUP,
        )
        await crashing.start()
        try:
            await _apply_without_committing(crashing, env.store, kafka)
        finally:
            await crashing.stop()
        assert await kafka.committed(group) == {}
        counted = await tally_counts(env.store)
        assert counted == await expected_tally(env.log)

        kafka.start_consumer(TALLY)  # same group: everything is delivered again
        deadline = time.monotonic() + 30
        while await kafka.committed(group) != kafka.ends:
            assert time.monotonic() < deadline, "the restarted consumer did not commit"
            await asyncio.sleep(0.1)
        assert await tally_counts(env.store) == counted
    finally:
        await kafka.close()


async def _apply_without_committing(
    consumer: AIOKafkaConsumer, store: ReadModelStore, kafka: ViaKafka
) -> None:
    pending = dict(kafka.ends)
    deadline = time.monotonic() + 30
    while pending:
        assert time.monotonic() < deadline, f"never received {pending}"
        for tp, records in (await consumer.getmany(timeout_ms=200)).items():
            messages = [
                (r.offset, (UNITS_TOPIC, CloudEvent.from_bytes(r.value or b""))) for r in records
            ]
            await apply_partition_batch(store, TALLY, tp.topic, tp.partition, messages)
            if records[-1].offset + 1 >= pending.get((tp.topic, tp.partition), 0):
                pending.pop((tp.topic, tp.partition), None)


# ----- rebuild and swap ------------------------------------------------------------------------


async def test_a_rebuild_keeps_the_old_rows_readable_until_the_swap(env: Env) -> None:
    projection = directory.PROJECTION
    write_chart(env.svc)
    await catch_up(env.store, projection, env.log)
    old_rows = await rows(env.store, UNITS)
    write_chart(env.svc, suffix="-B")  # only the rebuild will see these
    bumped = replace(projection, version=2)
    reader = await open_store(env.location)  # as the API would: another connection
    scratch = await env.store.scratch(bumped)
    try:
        await catch_up(scratch, bumped, env.log)
        async with env.store.swapping(scratch, bumped):
            await catch_up(scratch, bumped, env.log)
            assert await rows(reader, UNITS) == old_rows
            state = await reader.state("directory")
            assert state is not None and state.version == 1
        assert await directory_rows(reader) == chart_rows(env.svc)
        state = await reader.state("directory")
        assert state is not None and state.version == 2
        assert state.position == await env.log.head()
    finally:
        await scratch.discard()
        await reader.close()


def chart_rows_of(settings: Settings) -> list[dict[str, Any]]:
    """The directory's rows in the live read models of `settings`."""

    async def read() -> list[dict[str, Any]]:
        location = (
            ReadModelLocation(
                postgres_url=settings.database_url, postgres_schema=settings.read_models_schema
            )
            if settings.database_url
            else ReadModelLocation(sqlite_path=settings.read_models_path)
        )
        store = await open_store(location)
        try:
            return await rows(store, directory.UNITS)
        finally:
            await store.close()

    return asyncio.run(read())


def test_the_cli_rebuilds_and_reports_status(
    places: tuple[StoreLocation, ReadModelLocation, Settings],
) -> None:
    events_at, _, settings = places
    event_store = EventSourcingStore(events_at)
    write_chart(services_on(event_store))
    head = event_store.head()
    event_store.close()
    environment = {"MARKETPLACE_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        environment |= {
            "MARKETPLACE_DATABASE_URL": settings.database_url,
            "MARKETPLACE_DATABASE_SCHEMA": settings.database_schema,
        }
    runner = CliRunner()
    done = runner.invoke(projections_app, ["rebuild"], env=environment)
    assert done.exit_code == 0, done.output
    assert "rebuilt directory" in done.output
    status = runner.invoke(projections_app, ["status"], env=environment)
    assert status.exit_code == 0, status.output
    assert re.search(rf"directory\W+1\W+1\W+{head}\W+{head}\W+0\W", status.output), status.output
    unknown = runner.invoke(projections_app, ["rebuild", "nope"], env=environment)
    assert unknown.exit_code == 2
    assert "no projection 'nope'" in unknown.output
    # The projections shared among two processes: every one rebuilt, the same rows.
    before = chart_rows_of(settings)
    shared = runner.invoke(projections_app, ["rebuild", "--jobs", "2"], env=environment)
    assert shared.exit_code == 0, shared.output
    assert {f"rebuilt {p.name}" for p in PROJECTIONS} <= set(shared.output.splitlines())
    assert chart_rows_of(settings) == before
    status = runner.invoke(projections_app, ["status"], env=environment)
    assert re.search(rf"directory\W+1\W+1\W+{head}\W+{head}\W+0\W", status.output), status.output


async def test_the_workers_build_from_the_store_then_follow_kafka(env: Env) -> None:
    require_broker()
    write_chart(env.svc)
    kafka = ViaKafka(env.store, env.log, ())
    await kafka.start(consumers=False)
    settings = env.settings.model_copy(
        update={"kafka_bootstrap": BROKER, "kafka_topic_prefix": kafka.prefix}
    )
    stop = asyncio.Event()
    workers = asyncio.create_task(build_projection_workers(settings, FAST_GROUP).run(stop))
    try:
        await kafka.publish(await all_events(env.log))
        group = group_id(directory.PROJECTION, kafka.prefix)
        await _eventually(lambda: _committed_all(kafka, group), workers)
        assert await directory_rows(env.store) == chart_rows(env.svc)

        write_chart(env.svc, suffix="-B")
        await kafka.publish(
            [(t, e) for t, e in await all_events(env.log) if e.sequence > kafka.published]
        )
        await _eventually(lambda: _committed_all(kafka, group), workers)
        assert await directory_rows(env.store) == chart_rows(env.svc)
    finally:
        stop.set()
        await workers
        await kafka.close()


async def test_workers_started_before_the_relay_make_the_topics_they_read(env: Env) -> None:
    """Otherwise each consumer would see its topics only at its next metadata refresh (30 s)."""
    require_broker()
    prefix = f"early{uuid.uuid4().hex[:10]}."
    settings = env.settings.model_copy(
        update={"kafka_bootstrap": BROKER, "kafka_topic_prefix": prefix, "kafka_partitions": 3}
    )
    stop = asyncio.Event()
    workers = asyncio.create_task(build_projection_workers(settings, FAST_GROUP).run(stop))
    wanted = {prefix + t for p in PROJECTIONS for t in p.topics}
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER)
    await admin.start()
    try:

        async def made() -> bool:
            return wanted <= set(await admin.list_topics())

        await _eventually(made, workers)
        described = await admin.describe_topics([prefix + UNITS_TOPIC])
        assert len(described[0]["partitions"]) == 3  # as the settings say, like the relay's
    finally:
        stop.set()
        await workers
        await admin.close()


async def _committed_all(kafka: ViaKafka, group: str) -> bool:
    return await kafka.committed(group) == kafka.ends


async def _eventually(check: Any, task: asyncio.Task[None], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if task.done():
            task.result()
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


# ----- the API's side: filters, and a version bump rebuilt in the background ----------------


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"parent_id": "PWR"},
        {"level": "enterprise", "active": True},
        {"active": False},
        {"sector": "heat"},
        {"within": "PWR"},
        {"within": "PWR-01", "active": False},
        {"within": "NOPE"},
    ],
)
async def test_the_directory_answers_the_unit_filters_like_the_chart(
    env: Env, filters: dict[str, Any]
) -> None:
    write_chart(env.svc)
    await catch_up(env.store, directory.PROJECTION, env.log)
    listed = await directory.list_units(env.store, **filters)
    level = Level(filters["level"]) if "level" in filters else None
    chart = list_units(env.svc, **(filters | {"level": level}))
    assert [r["id"] for r in listed] == [u.id for u in chart]


async def test_the_api_runtime_rebuilds_another_version_in_the_background(env: Env) -> None:
    write_chart(env.svc)
    first = ProjectionRuntime(env.location, env.log, [directory.PROJECTION], feed_in_process=True)
    await first.start()
    await first.stop()
    write_chart(env.svc, suffix="-B")
    bumped = replace(directory.PROJECTION, version=2)
    runtime = ProjectionRuntime(env.location, env.log, [bumped], feed_in_process=True)
    await runtime.start()
    try:
        deadline = time.monotonic() + 30
        while (await runtime.status())[0].state != "current":
            assert time.monotonic() < deadline, "the rebuild did not finish"
            await asyncio.sleep(0.05)
        listed = await directory.list_units(await runtime.reader("directory"))
        assert [r["id"] for r in listed] == [r["id"] for r in chart_rows(env.svc)]
        (status,) = await runtime.status()
        assert (status.stored_version, status.lag) == (2, 0)
    finally:
        await runtime.stop()


class CountingLog(EventLog):
    """The log, counting the reads a runtime makes of it."""

    heads = reads = 0

    async def head(self) -> int:
        self.heads += 1
        return await super().head()

    async def read(self, after: int, limit: int) -> LogPage | None:
        self.reads += 1
        return await super().read(after, limit)


async def test_reads_at_an_unchanged_head_share_the_head_read_and_catch_up_nothing(
    env: Env,
) -> None:
    write_chart(env.svc)
    log = CountingLog(env.log.notifications)
    fed = [directory.PROJECTION, trade_volume.PROJECTION]
    runtime = ProjectionRuntime(env.location, log, fed, feed_in_process=True, poll_interval=3600)
    await runtime.start()
    try:
        log.heads = log.reads = 0
        # A page's figures, asked at once: no read of the log, and the head read for all by
        # at most two reads (the first began before the others asked: read-your-writes needs
        # one that began after).
        await asyncio.gather(*(runtime.reader(p.name) for p in fed for _ in range(10)))
        assert log.heads <= 2
        assert log.reads == 0
        # A write, then a read: the head moved, so the read catches up (read-your-writes).
        write_chart(env.svc, suffix="-B")
        listed = await directory.list_units(await runtime.reader("directory"))
        assert [r["id"] for r in listed] == [r["id"] for r in chart_rows(env.svc)]
        assert log.reads > 0
        # Caught up to that head: the next read reads the head again, and nothing else.
        log.heads = log.reads = 0
        await runtime.reader("directory")
        assert (log.heads, log.reads) == (1, 0)
    finally:
        await runtime.stop()


_HALF_REBUILD = """
import asyncio, sys, json
from pathlib import Path
from marketplace.projections import directory, trade_volume
from marketplace.projections.location import ReadModelLocation, open_store

async def main():
    where = json.loads(sys.argv[1])
    if "sqlite_path" in where:
        where["sqlite_path"] = Path(where["sqlite_path"])
    store = await open_store(ReadModelLocation(**where))
    await store.scratch(directory.PROJECTION)
    print("scratch ready", flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


async def scratches(env: Env) -> list[str]:
    """The rebuild scratch schemas or files of the directory projection that exist now."""
    location = env.location
    if location.sqlite_path is not None:
        return sorted(
            p.name for p in location.sqlite_path.parent.glob("*.rebuild-directory-*.sqlite3")
        )
    found = await env.store.fetch(
        "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1",
        [f"{location.postgres_schema[:24]}_rb_directory_"],
        {},
    )
    return [r["nspname"] for r in found]


async def test_a_rebuild_killed_midway_leaves_nothing_once_the_next_one_ran(env: Env) -> None:
    write_chart(env.svc)
    location = env.location
    where = (
        {"sqlite_path": str(location.sqlite_path)}
        if location.sqlite_path is not None
        else {"postgres_url": location.postgres_url, "postgres_schema": location.postgres_schema}
    )
    half = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HALF_REBUILD, json.dumps(where), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert half.stdout is not None
        assert await half.stdout.readline() == b"scratch ready\n"
        assert len(await scratches(env)) == 1
    finally:
        half.kill()  # SIGKILL: no clean-up runs
        await half.wait()
    state = await rebuild(env.store, directory.PROJECTION, env.log)
    assert state.position == await env.log.head()
    assert await scratches(env) == []
    assert await directory_rows(env.store) == chart_rows(env.svc)


async def test_a_rebuild_reads_only_its_types_and_still_reaches_the_head(env: Env) -> None:
    write_chart(env.svc)
    head = await env.log.head()
    state = await rebuild(env.store, trade_volume.PROJECTION, env.log)
    # No contract event at all: nothing read, and yet caught up to the last event.
    assert (state.version, state.position) == (trade_volume.PROJECTION.version, head)
    units_only = env.log.only(read_by([directory.PROJECTION]))
    page = await units_only.read(0, 3)
    assert page is not None and page.count == 3
    assert {topic for topic, _ in page.events} == {UNITS_TOPIC}
    assert await units_only.read(head, 3) is None  # nothing after the head
