"""Read models in a SQLite file (the embedded default), worked on one thread off the event loop."""

# ruff: noqa: S608 - SQL is built only from table and column names checked by check_identifier

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

from marketplace.adapters.db_stats import sqlite_write_lock
from marketplace.log import get_logger
from marketplace.private_files import open_private
from marketplace.projections import sql
from marketplace.projections.changes import (
    Increment,
    RowChange,
    Upsert,
    Value,
    coalesce,
    split_round,
    storable_params,
)
from marketplace.projections.projection import Projection
from marketplace.projections.sqlite_connection import SqliteConnection, decode, encode
from marketplace.projections.store import (
    NOT_BUILT,
    TRACKING_TABLES,
    ProjectionState,
    ReadModelStore,
    ReadModelTransaction,
    read_state,
    with_tables,
)
from marketplace.projections.tables import ColumnType, Dialect, Table
from marketplace.projections.tracking_sql import ENSURE_STATE, TrackingTransaction, swap_tracking

T = TypeVar("T")
log = get_logger(__name__)
_CHUNK = 500  # stays far below SQLite's limit of bound parameters
# Connections reading beside the writer (WAL: readers never wait for it, nor it for them): a
# page's queries (asyncio.gather) run at once, on the machine's cores, and a read never queues
# behind a feed's transaction. A read sees what was committed when it started.
READERS = 2


# A rebuild's scratch file's page cache (KiB): its tables' B-trees, written at random keys.
SCRATCH_CACHE_KIB = 131_072


class SqliteReadModels(ReadModelStore):
    """One SQLite file; transactions are serialised (SQLite has a single writer anyway)."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-models")
        self._read_executor = ThreadPoolExecutor(
            max_workers=READERS, thread_name_prefix="read-models-read"
        )
        self._local = threading.local()  # each reading thread's own connection
        self._readers: list[SqliteConnection] = []
        self._readers_lock = threading.Lock()
        self._lock = asyncio.Lock()
        self._conn: SqliteConnection | None = None
        self._rebuild_lock: IO[bytes] | None = None  # held while this is a scratch
        self._bare = False  # a scratch: tables without their indexes

    @classmethod
    async def open(cls, path: Path) -> SqliteReadModels:
        store = cls(path)
        await store._run(store._connect)
        return store

    def _connect(self) -> None:
        self._conn = SqliteConnection(self.path)
        for table in TRACKING_TABLES:
            for statement in table.ddl(self.dialect):
                self._conn.execute(statement)

    @property
    def conn(self) -> SqliteConnection:
        assert self._conn is not None, "the store is closed"
        return self._conn

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    @property
    def where(self) -> str:
        return str(self.path)

    def _begin(self) -> None:
        with sqlite_write_lock("read_models"):
            self.conn.execute("BEGIN IMMEDIATE")

    async def fetch(
        self, sql: str, params: Sequence[Value], types: Mapping[str, ColumnType]
    ) -> list[dict[str, Any]]:
        assert self._conn is not None, "the store is closed"
        return await asyncio.get_running_loop().run_in_executor(
            self._read_executor, self._read, sql, storable_params(params), types
        )

    def _read(
        self, sql: str, params: Sequence[Value], types: Mapping[str, ColumnType]
    ) -> list[dict[str, Any]]:
        """On a reading thread: the query on that thread's connection (opened at its first)."""
        conn: SqliteConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = SqliteConnection(self.path, reader=True)
            with self._readers_lock:
                self._readers.append(conn)
            self._local.conn = conn
        return conn.fetch(sql, params, types)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ReadModelTransaction]:
        async with self._lock:
            await self._run(self._begin)
            try:
                yield _Transaction(self)
            except BaseException:
                await self._run(self.conn.execute, "ROLLBACK")
                raise
            await self._run(self.conn.execute, "COMMIT")

    async def create(self, projection: Projection) -> None:
        async with self._lock:
            await self._run(self._create, projection.ddl(self.dialect, bare=self._bare))

    def _create(self, statements: list[str]) -> None:
        """All of a projection's DDL under the file's write lock: two connections creating the
        same tables at once (the API and the projection workers of `serve --all-in-one`) take
        turns, or the second meets an FTS5 table half made ("vtable constructor failed")."""
        self._begin()
        try:
            for statement in statements:
                self.conn.execute(statement)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    async def state(self, name: str) -> ProjectionState | None:
        return await read_state(self, name)

    async def scratch(self, projection: Projection) -> SqliteReadModels:
        """A fresh scratch file, once this process holds the projection's rebuild lock.

        The lock is an flock on a lock file, so a rebuild killed with SIGKILL releases it;
        holding it, any other scratch file of the projection is a dead rebuild's leftover.
        """
        stem = f"{self.path.stem}.rebuild-{projection.name}"
        lock = await asyncio.to_thread(_rebuild_lock, self.path.with_name(f"{stem}.lock"))
        try:
            for leftover in self.path.parent.glob(f"{stem}-*.sqlite3*"):
                leftover.unlink(missing_ok=True)
                log.info("rebuild_leftover_dropped", file=str(leftover))
            scratch = await SqliteReadModels.open(
                self.path.with_name(f"{stem}-{uuid.uuid4().hex[:8]}.sqlite3")
            )
            # A scratch is thrown away unless swapped in, and the swap copies it into the live
            # file in a durable transaction: syncing the scratch to disk buys nothing. Nor do
            # indexes (it is only written by key; the swap copies its rows into tables with every
            # index), and a bigger page cache keeps the keys' B-trees in memory.
            await scratch._run(scratch.conn.execute, "PRAGMA synchronous=OFF")
            await scratch._run(scratch.conn.execute, f"PRAGMA cache_size=-{SCRATCH_CACHE_KIB}")
            scratch._bare = True
        except BaseException:
            lock.close()
            raise
        scratch._rebuild_lock = lock
        return await with_tables(scratch, projection)

    @asynccontextmanager
    async def swapping(
        self, scratch: ReadModelStore, projection: Projection
    ) -> AsyncIterator[None]:
        assert isinstance(scratch, SqliteReadModels)
        async with self._lock:
            # ATTACH is not allowed inside a transaction; a deferred one then locks only
            # this file (by its first write), so scratch can still be caught up meanwhile.
            await self._run(self.conn.execute, "ATTACH DATABASE $1 AS fresh", [str(scratch.path)])
            try:
                await self._run(self.conn.execute, "BEGIN")
                try:
                    await self._run(self.conn.execute, ENSURE_STATE, [projection.name, NOT_BUILT])
                    yield
                    await self._run(self._take_from_fresh, projection)
                except BaseException:
                    await self._run(self.conn.execute, "ROLLBACK")
                    raise
                await self._run(self.conn.execute, "COMMIT")
            finally:
                await self._run(self.conn.execute, "DETACH DATABASE fresh")

    def _take_from_fresh(self, projection: Projection) -> None:
        for table in projection.tables:
            # A table's FTS5 index goes too: its triggers fill it again from the rows below.
            for name in filter(None, (table.text_table, table.name)):
                self.conn.execute(f"DROP TABLE IF EXISTS main.{name}")
            # The rows first, then the indexes: built from them at once, faster than row by
            # row (the substring index's DDL indexes the rows it finds, in one pass).
            for statement in table.ddl(self.dialect, bare=True):
                self.conn.execute(statement)
            self.conn.execute(f"INSERT INTO main.{table.name} SELECT * FROM fresh.{table.name}")
            for statement in table.index_ddl(self.dialect):
                self.conn.execute(statement)
        # Offsets stay: whatever the old rows had applied from Kafka, the new rows have too; a
        # recorded failure goes (the fresh copy has none).
        for statement in swap_tracking("main", "fresh"):
            self.conn.execute(statement, [projection.name])

    async def discard(self) -> None:
        await self.close()
        await asyncio.to_thread(self._delete_files)
        if self._rebuild_lock is not None:
            self._rebuild_lock.close()  # releases the flock
            self._rebuild_lock = None

    def _delete_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    async def close(self) -> None:
        await asyncio.to_thread(self._read_executor.shutdown, wait=True)
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for reader in readers:
            reader.raw.close()
        if self._conn is not None:
            await self._run(self._conn.raw.close)
            self._conn = None
        self._executor.shutdown(wait=True)


class _Transaction(TrackingTransaction):
    def __init__(self, store: SqliteReadModels) -> None:
        self._store = store
        self._conn = store.conn

    async def _execute(self, statement: str, params: Sequence[Value] = ()) -> None:
        await self._store._run(self._conn.execute, statement, params)

    async def _execute_many(self, statement: str, params: Sequence[Sequence[Value]]) -> None:
        await self._store._run(_execute_all, self._conn, statement, params)

    async def _rows(self, statement: str, params: Sequence[Value]) -> list[tuple[Any, ...]]:
        return await self._store._run(self._conn.execute, statement, params)

    async def subject_versions(
        self, name: str, topic: str, subjects: Collection[str]
    ) -> dict[str, int]:
        found: dict[str, int] = {}
        wanted = list(subjects)
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            marks = ", ".join(f"${n}" for n in range(3, len(chunk) + 3))
            rows = await self._rows(
                "SELECT subject, version FROM projection_subjects "
                f"WHERE name = $1 AND topic = $2 AND subject IN ({marks})",
                [name, topic, *chunk],
            )
            found.update({subject: int(version) for subject, version in rows})
        return found

    async def write(self, table: Table, change: RowChange) -> None:
        await self._store._run(_write_round, self._conn, table, [change])

    async def write_many(self, table: Table, changes: Sequence[RowChange]) -> None:
        """All in one hop to the connection's thread (SQLite statements are local and cheap)."""
        await self._store._run(_write_all, self._conn, table, coalesce(changes))


def _execute_all(conn: SqliteConnection, statement: str, params: Sequence[Sequence[Value]]) -> None:
    conn.execute_many(statement, params)


def _write_all(conn: SqliteConnection, table: Table, rounds: list[list[RowChange]]) -> None:
    for round_ in rounds:
        _write_round(conn, table, round_)


def _write_round(conn: SqliteConnection, table: Table, changes: list[RowChange]) -> None:
    """A round (each row changed once) in a few statements: whole rows by a native upsert,
    the others after one lookup of the rows that exist, one `executemany` per statement
    shape (SQLite statements are local: no set-based form needed, as on PostgreSQL)."""
    key = list(table.key)
    deletes, whole, writes = split_round(changes, len(table.columns))
    if deletes:
        conn.execute_many(sql.delete(table.name, key), [_key_of(c, key) for c in deletes])
    for columns, rows in whole.items():
        conn.execute_many(sql.upsert(table.name, key, columns), rows)
    if not writes:
        return
    existing = _existing(conn, table, writes)
    updates: dict[tuple[str, ...], list[list[Value]]] = {}
    inserts: dict[tuple[str, ...], list[list[Value]]] = {}
    for change in writes:
        key_values = _key_of(change, key)
        found = existing.get(tuple(encode(v) for v in key_values))
        if isinstance(change, Upsert):
            values = dict(change.values)
        else:
            # Computed here, from the amounts read above: SQLite has no exact decimals.
            current = found or {}
            amounts = {c: (current.get(c) or 0) + a for c, a in change.amounts.items()}
            values = {**amounts, **(change.values or {})}
        if found is not None:
            # A partial row is only meant for a row that exists: update just its columns.
            if values:
                updates.setdefault(tuple(values), []).append([*values.values(), *key_values])
        else:
            row = {**dict(zip(key, key_values, strict=True)), **values}
            inserts.setdefault(tuple(row), []).append(list(row.values()))
    for columns, params in updates.items():
        conn.execute_many(sql.update(table.name, columns, key), params)
    for columns, params in inserts.items():
        conn.execute_many(sql.insert(table.name, columns), params)


def _key_of(change: RowChange, key: Sequence[str]) -> list[Value]:
    return [change.key[column] for column in key]


def _existing(
    conn: SqliteConnection, table: Table, writes: Sequence[RowChange]
) -> dict[tuple[object, ...], dict[str, Any]]:
    """The rows of `writes` that exist, by their stored key, with the amounts increments add to."""
    key = list(table.key)
    amounts = sorted({c for w in writes if isinstance(w, Increment) for c in w.amounts})
    wanted = [_key_of(w, key) for w in writes]
    found: dict[tuple[object, ...], dict[str, Any]] = {}
    per_key = len(key)
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        params = [value for key_values in chunk for value in key_values]
        marks = ", ".join(
            "(" + ", ".join(f"${n * per_key + k + 1}" for k in range(per_key)) + ")"
            for n in range(len(chunk))
        )
        # A join, not `(a, b) IN (VALUES …)`: SQLite scans the table for a row-value IN.
        on = " AND ".join(f"t.{c} = w.column{k}" for k, c in enumerate(key, 1))
        rows = conn.execute(
            f"SELECT {', '.join(f't.{c}' for c in key + amounts)} "
            f"FROM (VALUES {marks}) AS w JOIN {table.name} AS t ON {on}",
            params,
        )
        for row in rows:
            found[tuple(row[:per_key])] = {
                c: decode(v, table.types[c]) for c, v in zip(amounts, row[per_key:], strict=True)
            }
    return found


def _rebuild_lock(path: Path) -> IO[bytes]:
    """Hold an exclusive flock on `path` (waiting for another rebuild if one runs)."""
    handle = os.fdopen(open_private(path, os.O_WRONLY | os.O_APPEND), "ab")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("rebuild_waiting", lock=str(path))
            fcntl.flock(handle, fcntl.LOCK_EX)
    except BaseException:
        handle.close()
        raise
    return handle
