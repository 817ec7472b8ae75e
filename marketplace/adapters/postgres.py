"""PostgreSQL connections that fail fast in an outage and recover by themselves afterwards."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from psycopg import Connection
from psycopg.sql import SQL, Composed, Identifier
from psycopg_pool import ConnectionPool

from marketplace.adapters.db_stats import psycopg_stats, watch_pool
from marketplace.adapters.idempotent_effects import mark_effects, marking

T = TypeVar("T")


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long the service waits for the database before it answers 503.

    `connect` bounds connecting and waiting for a pooled connection; `statement` one SQL
    statement (None: unbounded, for the CLI's long work: imports, rebuilds, verification).
    """

    connect: float = 3.0
    statement: float | None = 10.0

    @property
    def reconnect(self) -> float:
        """How long a pool keeps retrying one new connection before it gives up (and the next
        request starts a fresh attempt at once).

        psycopg_pool doubles its pause between attempts up to this: kept at a second, a pool
        is back within about a second of the database, not minutes later.
        """
        return 1.0


def libpq_options(timeouts: DatabaseTimeouts) -> dict[str, Any]:
    """Connection parameters bounding every wait on a psycopg connection."""
    options: dict[str, Any] = {
        "connect_timeout": max(2, math.ceil(timeouts.connect)),  # libpq's minimum is 2
        # A server that vanished without closing (power, network) fails a statement or a
        # pre-ping after this long, instead of TCP's quarter of an hour.
        # (Acknowledging what the client sent takes no longer for a long statement.)
        "tcp_user_timeout": int(max(timeouts.connect, 2.0) * 1000),
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 2,
        "keepalives_count": 3,
    }
    if timeouts.statement:
        options["options"] = f"-c statement_timeout={int(timeouts.statement * 1000)}"
    return options


def open_pool(
    url: str, timeouts: DatabaseTimeouts, *, name: str, max_size: int = 2
) -> ConnectionPool[Connection[Any]]:
    """A small autocommit pool: connections checked before use (a restart leaves dead ones),
    replaced within seconds once the server is back, and waited for at most `connect`."""
    pool: ConnectionPool[Connection[Any]] = ConnectionPool(
        url,
        kwargs={"autocommit": True, **libpq_options(timeouts)},
        min_size=1,
        max_size=max_size,
        name=name,
        timeout=timeouts.connect,
        reconnect_timeout=timeouts.reconnect,
        check=ConnectionPool.check_connection,
        open=False,
    )
    pool.open(wait=True, timeout=timeouts.connect)  # unreachable at start: fail now, loudly
    watch_pool(name, pool, psycopg_stats)
    return pool


def tune_event_store_pool(pool: ConnectionPool[Any], timeouts: DatabaseTimeouts) -> None:
    """Bound the `eventsourcing` library's pool like ours (before it opens its connections)."""
    assert isinstance(pool.kwargs, dict), "the library passes its connection parameters as a dict"
    pool.kwargs = {**pool.kwargs, **libpq_options(timeouts)}
    pool.timeout = timeouts.connect
    pool.reconnect_timeout = timeouts.reconnect
    watch_pool("event-store", pool, psycopg_stats)


# A dead pooled connection fails at once; an unreachable server makes the pool wait out its
# whole timeout, and waiting again would only double the time a request hangs.
_QUICK_FAILURE = 1.0
# After an outage error, calls fail at once for this long instead of each waiting out the pool:
# requests queued behind one another (the library serialises loading one aggregate, and every
# request loads the organisation) would otherwise wait a pool timeout each, one after another.
COOL_DOWN = 1.0


class _Breaker:
    def __init__(self) -> None:
        self.open_until = 0.0

    def check(self) -> None:
        if time.monotonic() < self.open_until:
            raise OperationalError("the database could not be reached a moment ago")

    def trip(self) -> None:
        self.open_until = time.monotonic() + COOL_DOWN


def _breaker(datastore: Any) -> _Breaker:
    """One per datastore (pool), shared by its recorders."""
    breaker: _Breaker = datastore.__dict__.setdefault("marketplace_breaker", _Breaker())
    return breaker


def _bounded(method: Callable[..., T]) -> Callable[..., T]:
    """The library's method without its ten attempts: one retry if the failure was quick, and
    none at all just after an outage error."""
    inner: Callable[..., T] = getattr(method, "__wrapped__", method)

    @functools.wraps(inner)
    def call(recorder: Any, *args: Any, **kwargs: Any) -> T:
        breaker = _breaker(recorder.datastore)
        breaker.check()
        started = time.monotonic()
        try:
            return inner(recorder, *args, **kwargs)
        except (InterfaceError, OperationalError):
            if time.monotonic() - started > _QUICK_FAILURE:
                breaker.trip()
                raise
        time.sleep(0.1)
        try:
            return inner(recorder, *args, **kwargs)
        except (InterfaceError, OperationalError):
            breaker.trip()
            raise

    return call


INSERT_FUNCTION = "marketplace_insert_events"


def insert_function(recorder: PostgresApplicationRecorder) -> Composed:
    """The store's insert as one server-side call: lock the table (so ids commit in their order,
    as the library does), notify, insert, answer the new notification ids.

    A save is then one statement, one round trip: the exclusive lock is held only while the
    server runs it and commits, never while this process's thread waits for its turn to read
    a reply and send the next statement (behind a busy API's other threads, that stretched
    each save's hold, and so every writer's wait, to several milliseconds)."""
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{name}(events {schema}.{event}[]) "
        "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN "
        "SET LOCAL lock_timeout = '{lock_timeout}s'; "
        "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
        "NOTIFY {channel}; "
        "RETURN QUERY INSERT INTO {schema}.{table} "
        "(originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version, topic, state FROM unnest(events) "
        "RETURNING notification_id; "
        "END; $BODY$"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        name=Identifier(INSERT_FUNCTION),
        event=Identifier(recorder.stored_event_type_name),
        lock_timeout=SQL(str(recorder.datastore.lock_timeout)),
        table=Identifier(recorder.events_table_name),
        channel=Identifier(recorder.channel_name),
    )


def _insert_events_locked(
    recorder: BoundedPostgresRecorder, stored_events: Sequence[StoredEvent], **kwargs: Any
) -> Sequence[int] | None:
    """The library's `insert_events` (lock, notify, insert, the new notification ids, in one
    transaction), as one call of `insert_function` when no idempotent write's row is to be
    marked with the events; else statement by statement (see `_insert_events_unpipelined`)."""
    if not stored_events:
        return None
    if marking():
        return _insert_events_unpipelined(recorder, stored_events, **kwargs)
    events = [
        recorder.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
        for e in stored_events
    ]
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(recorder.insert_function_call, (events,), prepare=True)
        return [row[INSERT_FUNCTION] for row in curs.fetchall()]


def _insert_events_unpipelined(
    recorder: PostgresApplicationRecorder, stored_events: Sequence[StoredEvent], **kwargs: Any
) -> Sequence[int] | None:
    """The library's `insert_events` (lock, notify, insert, the new notification ids, in one
    transaction) without psycopg's pipeline mode.

    In pipeline mode psycopg 3.3 stops flushing once its queue of commands is empty, even when
    libpq still holds unsent bytes: a save of more than a few megabytes in all (one large event,
    or many events of one aggregate saved together, such as a 100k-entry catalog submission)
    then waits forever for an answer to a statement the server never fully received (the
    server sits in ClientRead). Four statements one after another cost a few round trips more
    on a save, nothing beside the insert itself."""
    with recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
        recorder._insert_events(curs, stored_events, **kwargs)
        if not stored_events:
            return None
        recorder._insert_stored_events(curs, stored_events, **kwargs)
        positions = recorder._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

        def execute(query: str, params: Sequence[Any]) -> int:
            return int(curs.execute(query, params).rowcount)

        mark_effects(execute, stored_events, positions)  # an idempotent write's row, see there
        return positions


def _create_table_serialised(
    recorder: PostgresAggregateRecorder, create: Callable[[], None]
) -> None:
    """Run the library's table creation while holding the schema's advisory lock.

    Every process of a deployment (API, relay, projection workers) creates the store's tables
    at start; run at once, PostgreSQL refuses the second `CREATE OR REPLACE FUNCTION` of the
    same function ("tuple concurrently updated") or the second `CREATE TABLE IF NOT EXISTS`
    (a duplicate catalog row), and that process dies at start. The lock is held by its own
    connection, so the library's statements may use any pooled connection meanwhile.
    """
    import psycopg

    pool = recorder.datastore.pool
    key = f"marketplace.create_table:{recorder.datastore.schema}"
    # The library builds its pool from plain settings (no callables).
    assert isinstance(pool.conninfo, str) and isinstance(pool.kwargs, dict)
    with psycopg.connect(pool.conninfo, autocommit=True, **pool.kwargs) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            create()
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


class BoundedPostgresRecorder(PostgresApplicationRecorder):
    """The library's recorder with bounded retries (see `_bounded`): its ten attempts, each
    waiting out the pool, held requests for most of a minute in an outage; and inserts that do
    not hang on large saves, and hold the table's lock only as long as the server needs
    (see `_insert_events_locked`)."""

    insert_events = _bounded(_insert_events_locked)
    select_events = _bounded(PostgresApplicationRecorder.select_events)
    select_notifications = _bounded(PostgresApplicationRecorder.select_notifications)
    max_notification_id = _bounded(PostgresApplicationRecorder.max_notification_id)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.insert_function_call = SQL("SELECT * FROM {schema}.{name}(%s)").format(
            schema=Identifier(self.datastore.schema), name=Identifier(INSERT_FUNCTION)
        )

    def create_table(self) -> None:
        def create() -> None:
            super(BoundedPostgresRecorder, self).create_table()
            with self.datastore.get_connection() as conn:
                conn.execute(insert_function(self))

        _create_table_serialised(self, create)


class BoundedSnapshotRecorder(PostgresAggregateRecorder):
    """The same for snapshots (read whenever an aggregate is not in the cache)."""

    insert_events = _bounded(PostgresAggregateRecorder.insert_events)
    select_events = _bounded(PostgresAggregateRecorder.select_events)

    def create_table(self) -> None:
        _create_table_serialised(self, super().create_table)


class BoundedPostgresFactory(PostgresFactory):
    """`PERSISTENCE_MODULE` of the event store on PostgreSQL: the recorders above."""

    aggregate_recorder_class = BoundedSnapshotRecorder
    application_recorder_class = BoundedPostgresRecorder
