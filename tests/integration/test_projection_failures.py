"""A projection that cannot apply an event stops visibly; text PostgreSQL cannot hold is stored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.organisation import Level
from marketplace.cli import projections as cli_projections
from marketplace.demo import organisation_yaml, seed_catalog
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.units import UNITS_TOPIC
from marketplace.handlers import needs, units
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.handlers.unit_import import import_units
from marketplace.projections import directory, inbox, needs_board
from marketplace.projections.catch_up import catch_up
from marketplace.projections.changes import Increment, RowChange
from marketplace.projections.event_log import EventLog
from marketplace.projections.failures import read_failures
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.pages import PageRequest
from marketplace.projections.projection import Projection
from marketplace.projections.rebuild import HOLD_EVENTS, rebuild, rebuild_all
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.projections.store import SUBJECTS, ReadModelStore
from marketplace.projections.tables import Column, ColumnType, Table
from marketplace.settings import Settings
from tests.conftest import POSTGRES_URL, require_broker
from tests.integration.conftest import HQ_ADMIN, services_on
from tests.integration.projection_harness import TALLY, ViaKafka, all_events, rows, write_chart

# Failures and text each read-model store must hold: both stores.
pytestmark = pytest.mark.both_stores


@dataclass
class Env:
    svc: Services
    log: EventLog
    store: ReadModelStore
    location: ReadModelLocation
    tmp: Path


@pytest.fixture
async def env(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Env]:
    if backend == "sqlite":
        events_at = StoreLocation(sqlite_path=tmp_path / "events.sqlite3")
        models_at = ReadModelLocation(sqlite_path=tmp_path / "read_models.sqlite3")
    else:
        schema = request.getfixturevalue("pg_schema")
        settings = Settings(database_url=POSTGRES_URL, database_schema=schema)
        events_at = StoreLocation(postgres_url=POSTGRES_URL, postgres_schema=schema)
        models_at = ReadModelLocation(
            postgres_url=POSTGRES_URL, postgres_schema=settings.read_models_schema
        )
    event_store = EventSourcingStore(events_at)
    store = await open_store(models_at)
    await store.create(BRITTLE)
    yield Env(services_on(event_store), EventLog(event_store), store, models_at, tmp_path)
    await store.close()
    event_store.close()


# ----- text PostgreSQL cannot hold -----------------------------------------------------------

OPERATOR = Principal("tok_coal", "COAL-01", frozenset({Role.UNIT_OPERATOR}))
STEAM = NeedSpec(
    "COAL-01",
    "Steam",
    "product",
    "heat",
    "STEAM-LP",
    Decimal("1200"),
    "t",
    date(2027, 4, 1),
    Decimal("230000.00"),
    "regular",
    "direct",
)


async def test_a_nul_in_free_text_is_stored_alike_on_both_stores(env: Env) -> None:
    """PostgreSQL text cannot hold U+0000: it becomes U+FFFD, on SQLite as well."""
    write_chart(env.svc)
    register = units.RegisterUnit("PWR-NUL", "a\x00b", Level.ENTERPRISE, "PWR")
    units.register_unit(env.svc, HQ_ADMIN, register)
    await env.store.create(directory.PROJECTION)
    await catch_up(env.store, directory.PROJECTION, env.log)
    found = {u["id"]: u for u in await directory.list_units(env.store)}
    assert found["PWR-NUL"]["name"] == "a\ufffdb"
    assert await read_failures(env.store) == {}
    # Asking with a NUL is asking for what is stored: no database error either.
    assert await directory.list_units(env.store, parent_id="PWR\x00") == []


async def test_a_need_titled_with_a_nul_shows_on_the_board_and_in_the_inbox(env: Env) -> None:
    env.svc.clock = lambda: datetime(2027, 3, 1, 9, tzinfo=UTC)
    import_units(env.svc, Actor(None, "cli"), organisation_yaml())
    seed_catalog(env.svc, HQ_ADMIN)
    need = needs.post_need(env.svc, OPERATOR, replace(STEAM, title="a\x00b"))
    for projection in (needs_board.PROJECTION, inbox.PROJECTION):
        await env.store.create(projection)
        await catch_up(env.store, projection, env.log)
    (posted,) = (await needs_board.needs_of(env.store, "COAL-01", None, PageRequest())).items
    (matched,) = (await inbox.actionable(env.store, "PWR-01", env.svc.clock(), PageRequest())).items
    assert posted["need_id"] == matched["need_id"] == need.id
    assert posted["title"] == matched["title"] == "a\ufffdb"


# ----- a reducer that raises on one event -----------------------------------------------------

FAILING: set[str] = set()
CALLS: list[str] = []
BRITTLE_TABLE = Table(
    "brittle_events",
    columns=(Column("type", ColumnType.TEXT), Column("events", ColumnType.INTEGER)),
    key=("type",),
)
RENAMED = "marketplace.unit.renamed.v1"


def brittle(event: CloudEvent) -> list[RowChange]:
    CALLS.append(event.type)
    if event.type in FAILING:
        raise RuntimeError(f"cannot reduce {event.type}")
    return [Increment(BRITTLE_TABLE.name, {"type": event.type}, {"events": 1})]


BRITTLE = Projection("brittle", 1, (UNITS_TOPIC,), (BRITTLE_TABLE,), brittle)


@pytest.fixture(autouse=True)
def failing_renames() -> Iterator[None]:
    FAILING.add(RENAMED)
    CALLS.clear()
    yield
    FAILING.clear()


async def counts(store: ReadModelStore) -> dict[str, int]:
    return {r["type"]: r["events"] for r in await rows(store, BRITTLE_TABLE)}


async def first_renamed(log: EventLog) -> CloudEvent:
    return next(e for _, e in await all_events(log) if e.type == RENAMED)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_an_in_process_projection_that_cannot_apply_an_event_fails_visibly(
    env: Env,
) -> None:
    write_chart(env.svc)
    bad = await first_renamed(env.log)
    runtime = ProjectionRuntime(
        env.location, env.log, [BRITTLE], feed_in_process=True, poll_interval=0.05
    )
    await runtime.start()
    try:
        (status,) = await runtime.status()
        assert status.state == "failed"
        assert status.failure is not None
        assert status.failure.position == bad.sequence
        assert "cannot reduce marketplace.unit.renamed.v1" in status.failure.error
        assert status.position == bad.sequence - 1  # everything before it is applied
        # Reads answer from the rows it has: every event before the failing one.
        before = [e.type for _, e in await all_events(env.log) if e.sequence < bad.sequence]
        assert sum((await counts(await runtime.reader("brittle"))).values()) == len(before)
        # No retry loop: polls and reads leave the failed projection alone.
        calls = len(CALLS)
        await asyncio.sleep(0.3)
        await runtime.reader("brittle")
        assert len(CALLS) == calls

        # Fixed (here: the reducer accepts the event again), a rebuild from another process
        # (the CLI) clears the failure; this runtime notices and feeds it again.
        FAILING.clear()
        await rebuild(env.store, BRITTLE, env.log)
        assert await read_failures(env.store) == {}
        write_chart(env.svc, suffix="-B")

        async def current_again() -> bool:
            (found,) = await runtime.status()
            return found.state == "current" and found.lag == 0

        await eventually(current_again, "the runtime did not resume the rebuilt projection")
        assert sum((await counts(await runtime.reader("brittle"))).values()) == len(
            await all_events(env.log)
        )
    finally:
        await runtime.stop()


async def test_one_read_of_the_log_feeds_each_projection_from_its_own_position(
    env: Env,
) -> None:
    """The feeds share each page read; one that fails stops alone, one ahead skips what it has."""
    write_chart(env.svc)
    await env.store.create(directory.PROJECTION)
    await catch_up(env.store, directory.PROJECTION, env.log)  # ahead of the others
    write_chart(env.svc, suffix="-B")
    bad = await first_renamed(env.log)
    runtime = ProjectionRuntime(
        env.location,
        env.log,
        [BRITTLE, directory.PROJECTION, TALLY],
        feed_in_process=True,
        poll_interval=0.05,
    )
    await runtime.start()
    try:
        found = {s.name: s for s in await runtime.status()}
        assert found["brittle"].state == "failed"
        assert found["brittle"].position == bad.sequence - 1
        assert found["directory"].state == found["tally"].state == "current"
        assert found["directory"].lag == found["tally"].lag == 0
        replayed = await open_store(ReadModelLocation(sqlite_path=env.tmp / "replay.sqlite3"))
        try:
            for projection in (directory.PROJECTION, TALLY):
                await replayed.create(projection)
                await catch_up(replayed, projection, env.log)
                for table in projection.tables:
                    assert await rows(runtime.store, table) == await rows(replayed, table)
        finally:
            await replayed.close()
    finally:
        await runtime.stop()


async def test_a_rebuild_applied_in_many_small_flushes_equals_a_catch_up(
    env: Env,
) -> None:
    """Pages of 2 events, flushed once the projections hold 3 events: the rows of one pass."""
    write_chart(env.svc)
    write_chart(env.svc, suffix="-B")
    projections = [directory.PROJECTION, TALLY]
    for projection in projections:
        await env.store.create(projection)
        await catch_up(env.store, projection, env.log)  # rows to replace
    assert await rebuild_all(env.store, projections, env.log, batch_size=2, hold=3) == {}
    replayed = await open_store(ReadModelLocation(sqlite_path=env.tmp / "replay.sqlite3"))
    try:
        for projection in projections:
            await replayed.create(projection)
            await catch_up(replayed, projection, env.log)
            for table in projection.tables:
                assert await rows(env.store, table) == await rows(replayed, table)
            state = await env.store.state(projection.name)
            assert state is not None and state.position == await env.log.head()
        # Each aggregate's last applied version too (a Kafka feed's duplicates are told by it),
        # though a scratch on PostgreSQL keeps it in memory until the swap.
        tracked = await rows(env.store, SUBJECTS)
        assert tracked == await rows(replayed, SUBJECTS)
        assert {row["name"] for row in tracked} == {p.name for p in projections}
    finally:
        await replayed.close()


@pytest.mark.parametrize("hold", [3, HOLD_EVENTS])
async def test_rebuilding_every_projection_at_once_keeps_a_failing_ones_old_rows(
    env: Env, hold: int
) -> None:
    FAILING.clear()
    write_chart(env.svc)
    await catch_up(env.store, BRITTLE, env.log)
    served = await counts(env.store)
    FAILING.add(RENAMED)
    write_chart(env.svc, suffix="-B")
    failed = await rebuild_all(
        env.store, [BRITTLE, directory.PROJECTION], env.log, batch_size=2, hold=hold
    )
    assert set(failed) == {"brittle"}
    assert failed["brittle"].position == (await first_renamed(env.log)).sequence
    assert await counts(env.store) == served
    units_now = {u["id"] for u in await directory.list_units(env.store)}
    assert {"PWR-01", "PWR-01-B"} <= units_now
    state = await env.store.state("directory")
    assert state is not None and state.position == await env.log.head()


async def test_a_failed_rebuild_after_a_version_bump_fails_visibly_once(env: Env) -> None:
    FAILING.clear()
    write_chart(env.svc)
    await catch_up(env.store, BRITTLE, env.log)
    served = await counts(env.store)
    FAILING.add(RENAMED)
    bumped = Projection("brittle", 2, BRITTLE.topics, BRITTLE.tables, brittle)
    runtime = ProjectionRuntime(
        env.location, env.log, [bumped], feed_in_process=True, poll_interval=0.05
    )
    await runtime.start()
    try:

        async def failed() -> bool:
            (found,) = await runtime.status()
            return found.state == "failed"

        await eventually(failed, "the failing rebuild was not reported")
        (status,) = await runtime.status()
        assert status.failure is not None
        assert status.failure.position == (await first_renamed(env.log)).sequence
        assert status.stored_version == 1  # the old rows are still served
        assert await counts(await runtime.reader("brittle")) == served
        calls = len(CALLS)
        await asyncio.sleep(0.3)
        assert len(CALLS) == calls
    finally:
        await runtime.stop()


async def test_a_kafka_fed_projection_that_cannot_apply_an_event_fails_visibly(
    env: Env,
) -> None:
    require_broker()
    kafka = ViaKafka(env.store, env.log, (BRITTLE,))
    await kafka.start()
    try:
        write_chart(env.svc)
        bad = await first_renamed(env.log)
        await kafka.publish(await all_events(env.log))

        async def recorded() -> bool:
            return "brittle" in await read_failures(env.store)

        await eventually(recorded, "the Kafka feed did not record the failure")
        failure = (await read_failures(env.store))["brittle"]
        assert failure.position == bad.sequence
        assert "cannot reduce marketplace.unit.renamed.v1" in failure.error
        # What the API process shows (it reads the failure from the read-model store).
        api_view = ProjectionRuntime(env.location, env.log, [BRITTLE], feed_in_process=False)
        await api_view.start()
        try:
            (status,) = await api_view.status()
            assert status.state == "failed"
            assert status.failure is not None and status.failure.position == bad.sequence
        finally:
            await api_view.stop()
        applied = await counts(env.store)
        assert RENAMED not in applied
        assert "marketplace.unit.moved.v1" not in applied  # nothing after it either
        calls = len(CALLS)
        await asyncio.sleep(1.0)
        assert len(CALLS) == calls, "the failing event was retried"

        FAILING.clear()
        await rebuild(env.store, BRITTLE, env.log)
        write_chart(env.svc, suffix="-B")
        await kafka.deliver()
        assert sum((await counts(env.store)).values()) == len(await all_events(env.log))
        assert await read_failures(env.store) == {}
    finally:
        await kafka.close()


def test_a_rebuild_that_meets_the_failing_event_says_where_and_keeps_the_old_rows(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_chart(env.svc)
    bad = asyncio.run(first_renamed(env.log))
    monkeypatch.setattr(cli_projections, "by_name", lambda name: BRITTLE)
    environment = {"MARKETPLACE_DATA_DIR": str(tmp_path)}
    if env.location.postgres_url:
        schema = env.location.postgres_schema.removesuffix("_read_models")
        environment |= {
            "MARKETPLACE_DATABASE_URL": env.location.postgres_url,
            "MARKETPLACE_DATABASE_SCHEMA": schema,
        }
    done = CliRunner().invoke(
        cli_projections.projections_app, ["rebuild", "brittle"], env=environment
    )
    assert done.exit_code == 1
    assert f"brittle cannot apply the event at position {bad.sequence}" in done.output
    assert "cannot reduce marketplace.unit.renamed.v1" in done.output
    assert asyncio.run(counts_at(env.location)) == {}  # the live rows were never replaced


async def counts_at(location: ReadModelLocation) -> dict[str, int]:
    store = await open_store(location)
    try:
        return await counts(store)
    finally:
        await store.close()
