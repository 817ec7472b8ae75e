"""Read models in a PostgreSQL schema, through asyncpg."""

# ruff: noqa: S608 - SQL is built only from table and column names checked by check_identifier

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from marketplace.adapters.db_stats import asyncpg_stats, watch_pool
from marketplace.adapters.postgres import DatabaseTimeouts
from marketplace.log import get_logger
from marketplace.projections import sql
from marketplace.projections.changes import (
    Delete,
    Increment,
    RowChange,
    Upsert,
    Value,
    coalesce,
    split_round,
    storable_params,
)
from marketplace.projections.projection import Projection
from marketplace.projections.store import (
    NOT_BUILT,
    SUBJECTS,
    TRACKING_TABLES,
    ProjectionState,
    ReadModelStore,
    ReadModelTransaction,
    read_state,
    with_tables,
)
from marketplace.projections.tables import ColumnType, Dialect, Table, check_identifier
from marketplace.projections.tracking_sql import ENSURE_STATE, TrackingTransaction, swap_tracking

log = get_logger(__name__)

# A rebuild's index builds (PostgreSQL's default, 64 MB, spills a big table's sort to disk).
INDEX_BUILD_MEMORY = "256MB"

# Serialises DDL of concurrent processes: CREATE … IF NOT EXISTS races in PostgreSQL.
_DDL_LOCK = 0x6D61726B6574  # "market"


_PG_ARRAY_TYPES = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "bigint",
    ColumnType.BOOLEAN: "boolean",
    ColumnType.TIMESTAMP: "timestamptz",
    ColumnType.DECIMAL: "numeric",
}


def _log_warning(_: object, message: Any) -> None:
    if getattr(message, "severity_en", None) == "WARNING":
        log.warning("read_model_ddl_warning", message=str(message))


def _values_and_additions(change: Upsert | Increment) -> tuple[dict[str, Value], list[str]]:
    if isinstance(change, Increment):
        return {**change.amounts, **(change.values or {})}, list(change.amounts)
    return dict(change.values), []


class PostgresReadModels(ReadModelStore):
    """One schema of the database; its connections find the tables on their search path.

    Every wait is bounded (`timeouts`): connecting and acquiring a pooled connection by
    `connect`, a statement by `statement`. The pool replaces connections a database restart
    closed when they are next acquired.
    """

    dialect: Dialect = "postgresql"

    def __init__(
        self, url: str, schema: str, pool: asyncpg.Pool, timeouts: DatabaseTimeouts
    ) -> None:
        self.url = url
        self.schema = schema
        self.timeouts = timeouts
        self._pool = pool
        self._rebuild_lock: asyncpg.Connection | None = None  # held while this is a scratch
        self._bare = False  # a scratch: tables without their indexes until the swap
        # A scratch's subject versions (topic, subject → version), kept here until the swap
        # copies them into the live table at once (a rebuild upserted each touched subject's
        # row at every flush, and the swap copied them all again).
        self._subjects: dict[tuple[str, str], int] | None = None

    @classmethod
    async def open(
        cls, url: str, schema: str, timeouts: DatabaseTimeouts | None = None
    ) -> PostgresReadModels:
        check_identifier(schema)
        timeouts = timeouts or DatabaseTimeouts()
        # A rebuild swaps tables under running connections: cached plans would go stale.
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=5,
            server_settings={"search_path": schema},
            statement_cache_size=0,
            timeout=timeouts.connect,
            command_timeout=timeouts.statement,  # client-side: also when the server vanished
        )
        watch_pool("read-models", pool, asyncpg_stats)
        store = cls(url, schema, pool, timeouts)
        await store._ddl([s for t in TRACKING_TABLES for s in t.ddl("postgresql")])
        return store

    async def _ddl(self, statements: Sequence[str]) -> None:
        async with self._acquire() as conn:
            # A DDL statement's warning says what was not made (e.g. an index without pg_trgm).
            conn.add_log_listener(_log_warning)
            try:
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", _DDL_LOCK)
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                    for statement in statements:
                        await conn.execute(statement)
            finally:
                conn.remove_log_listener(_log_warning)

    def _acquire(self) -> Any:
        return self._pool.acquire(timeout=self.timeouts.connect)

    @property
    def where(self) -> str:
        return f"PostgreSQL schema {self.schema}"

    async def fetch(
        self, sql: str, params: Sequence[Value], types: Mapping[str, ColumnType]
    ) -> list[dict[str, Any]]:
        async with self._acquire() as conn:
            return [dict(r) for r in await conn.fetch(sql, *storable_params(params))]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ReadModelTransaction]:
        async with self._acquire() as conn:
            async with conn.transaction():
                tx = _Transaction(conn, self._subjects)
                yield tx
            if self._subjects is not None:  # committed: what it applied is tracked
                self._subjects.update(tx.saved_subjects)

    async def create(self, projection: Projection) -> None:
        await self._ddl(projection.ddl(self.dialect, bare=self._bare))

    async def state(self, name: str) -> ProjectionState | None:
        return await read_state(self, name)

    async def scratch(self, projection: Projection) -> PostgresReadModels:
        """A fresh scratch schema, once this process holds the projection's rebuild lock.

        The lock is a session advisory lock on a connection of its own, so a rebuild killed
        with SIGKILL releases it; holding it, any other scratch schema of the projection is
        a dead rebuild's leftover and is dropped.
        """
        # Within PostgreSQL's 63 bytes, and unique per projection even where names are cut.
        digest = hashlib.sha256(f"{self.schema}:{projection.name}".encode()).hexdigest()[:6]
        prefix = f"{self.schema[:24]}_rb_{projection.name[:16]}_{digest}_"
        # No statement timeout on this one: it may wait for another process's rebuild.
        holder = await asyncpg.connect(self.url, timeout=self.timeouts.connect)
        try:
            key = f"marketplace.rebuild:{self.schema}:{projection.name}"
            if not await holder.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", key):
                log.info("rebuild_waiting", projection=projection.name, where=self.where)
                await holder.execute("SELECT pg_advisory_lock(hashtext($1))", key)
            leftovers = await holder.fetch(
                "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", prefix
            )
            for row in leftovers:
                await holder.execute(f'DROP SCHEMA IF EXISTS "{row["nspname"]}" CASCADE')
                log.info("rebuild_leftover_dropped", schema=row["nspname"])
            scratch = await PostgresReadModels.open(
                self.url, f"{prefix}{uuid.uuid4().hex[:8]}", self.timeouts
            )
        except BaseException:
            await holder.close()
            raise
        scratch._rebuild_lock = holder
        # Keyed tables only: a scratch is only written by key, and an index built once from
        # the rows before the swap costs far less than keeping it up to date row by row (the
        # trigram index of a catalog's 100,000 names most of all).
        scratch._bare = True
        scratch._subjects = {}
        return await with_tables(scratch, projection)

    @asynccontextmanager
    async def swapping(
        self, scratch: ReadModelStore, projection: Projection
    ) -> AsyncIterator[None]:
        assert isinstance(scratch, PostgresReadModels)
        live, fresh = f'"{self.schema}"', f'"{scratch.schema}"'
        await scratch._index(projection)
        await scratch._vacuum(projection)
        async with self._acquire() as conn, conn.transaction():
            await conn.execute(ENSURE_STATE, projection.name, NOT_BUILT)
            await conn.execute(
                "SELECT 1 FROM projection_state WHERE name = $1 FOR UPDATE", projection.name
            )
            yield
            for table in projection.tables:
                await conn.execute(f"DROP TABLE IF EXISTS {live}.{table.name}")
                await conn.execute(f"ALTER TABLE {fresh}.{table.name} SET SCHEMA {live}")
            # Offsets stay: whatever the old rows had applied from Kafka, the new rows have too; a
            # recorded failure goes (the fresh copy has none).
            kept = scratch._subjects
            for statement in swap_tracking(live, fresh, from_fresh=kept is None):
                await conn.execute(statement, projection.name)
            if kept:  # the scratch's subject versions, from memory straight into the live table
                await conn.copy_records_to_table(
                    SUBJECTS.name,
                    schema_name=self.schema,
                    records=[(projection.name, *k, v) for k, v in kept.items()],
                    columns=[c.name for c in SUBJECTS.columns],
                )

    async def _index(self, projection: Projection) -> None:
        """A bare scratch's indexes, each built in one pass from its rows."""
        if not self._bare:
            return
        self._bare = False
        async with self._acquire() as conn, conn.transaction():
            conn.add_log_listener(_log_warning)  # as `_ddl`: e.g. no trigram index made
            try:
                # Sorting a big table's keys in memory rather than in temporary files.
                await conn.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
                for table in projection.tables:
                    for statement in table.index_ddl(self.dialect):
                        await conn.execute(statement)
            finally:
                conn.remove_log_listener(_log_warning)

    async def _vacuum(self, projection: Projection) -> None:
        """VACUUM (ANALYZE) a rebuilt copy's tables before they are swapped in (they keep both).

        Freshly written tables have no planner statistics and no visibility map until
        autovacuum comes by: queries are planned blind, and without the map PostgreSQL will
        not answer from an index alone, so the dashboard's sums over a year of contracts ran
        as parallel scans of the table (35 ms, against 5-8 ms from the covering index).
        Not worth failing a rebuild for: autovacuum does it later anyway."""
        async with self._acquire() as conn:
            for table in projection.tables:
                try:
                    await conn.execute(f'VACUUM (ANALYZE) "{self.schema}".{table.name}')
                except (asyncpg.PostgresError, TimeoutError) as exc:
                    log.warning("read_model_vacuum_failed", table=table.name, error=repr(exc))

    async def discard(self) -> None:
        async with self._acquire() as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        await self.close()
        if self._rebuild_lock is not None:
            await self._rebuild_lock.close()  # ends the session: releases the lock
            self._rebuild_lock = None

    async def close(self) -> None:
        await self._pool.close()


def _rows_of(types: Sequence[str]) -> str:
    """The rows of a set-based statement: its array parameters side by side, as w(v1, …)."""
    arrays = ", ".join(f"${n}::{t}" for n, t in enumerate(types, 1))
    names = ", ".join(f"v{n}" for n in range(1, len(types) + 1))
    return f"unnest({arrays}) AS w({names})"


def _matching(key: Sequence[str], first: int) -> str:
    return " AND ".join(f"t.{k} = w.v{n}" for n, k in enumerate(key, first))


def _each_row(columns: Sequence[str]) -> str:
    """The rows' values in `columns` order (`{rows}`: those columns' arrays)."""
    return f"SELECT {', '.join(f'w.v{n}' for n in range(1, len(columns) + 1))} FROM {{rows}}"


def _upsert(table: str, key: Sequence[str], columns: Sequence[str]) -> str:
    """Whole rows inserted, or set on a key conflict."""
    return sql.upsert(table, key, columns, source=_each_row(columns))


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) {_each_row(columns)}"


def _update(table: str, columns: Sequence[str], key: Sequence[str], add: Sequence[str]) -> str:
    """`columns` set (`add`: added to) on the rows of `key` (`{rows}`: columns, then key)."""
    sets = [
        f"{c} = t.{c} + w.v{n}" if c in add else f"{c} = w.v{n}" for n, c in enumerate(columns, 1)
    ]
    where = _matching(key, len(columns) + 1)
    return f"UPDATE {table} AS t SET {', '.join(sets)} FROM {{rows}} WHERE {where}"


def _delete(table: str, key: Sequence[str]) -> str:
    return f"DELETE FROM {table} AS t USING {{rows}} WHERE {_matching(key, 1)}"


class _Transaction(TrackingTransaction):
    lock_clause = " FOR UPDATE"

    def __init__(
        self, conn: asyncpg.Connection, subjects: dict[tuple[str, str], int] | None = None
    ) -> None:
        self._conn = conn
        self._subjects = subjects  # a scratch's, read here; its table is empty until the swap
        self.saved_subjects: dict[tuple[str, str], int] = {}  # kept there once committed

    async def _execute(self, statement: str, params: Sequence[Value]) -> None:
        await self._conn.execute(statement, *params)

    async def _execute_many(self, statement: str, params: Sequence[Sequence[Value]]) -> None:
        await self._conn.executemany(statement, params)

    async def _rows(self, statement: str, params: Sequence[Value]) -> Sequence[Sequence[Any]]:
        rows: list[Sequence[Any]] = await self._conn.fetch(statement, *params)
        return rows

    async def subject_versions(
        self, name: str, topic: str, subjects: Collection[str]
    ) -> dict[str, int]:
        if self._subjects is not None:
            known, mine = self._subjects, self.saved_subjects
            found = ((s, mine.get((topic, s)) or known.get((topic, s))) for s in subjects)
            return {s: v for s, v in found if v is not None}
        rows = await self._conn.fetch(
            "SELECT subject, version FROM projection_subjects "
            "WHERE name = $1 AND topic = $2 AND subject = ANY($3::text[])",
            name,
            topic,
            list(subjects),
        )
        return {r["subject"]: r["version"] for r in rows}

    async def save_subject_versions(
        self, name: str, topic: str, versions: Mapping[str, int]
    ) -> None:
        if self._subjects is None:
            await super().save_subject_versions(name, topic, versions)
        else:
            self.saved_subjects.update(((topic, s), v) for s, v in versions.items())

    async def write_many(self, table: Table, changes: Sequence[RowChange]) -> None:
        """Apply changes in a few statements: per round, whole rows by a native upsert, the
        others after one lookup of which rows exist, one set-based statement per shape of
        change (a round changes each row once)."""
        for round_ in coalesce(changes):
            await self._write_round(table, round_)

    async def _write_round(self, table: Table, changes: list[RowChange]) -> None:
        """One statement per shape of change, over arrays of the rows' values (a set-based
        statement costs the server a fraction of one execution per row)."""
        key = list(table.key)
        deletes, whole, writes = split_round(changes, len(table.columns))
        if deletes:
            gone = [tuple(c.key[k] for k in key) for c in deletes]
            await self._set_based(table, _delete(table.name, key), key, gone)
        for columns, rows in whole.items():
            await self._set_based(table, _upsert(table.name, key, columns), columns, rows)
        if not writes:
            return
        existing = await self._existing(table, writes)
        updates: dict[tuple[tuple[str, ...], tuple[str, ...]], list[tuple[Value, ...]]] = {}
        inserts: dict[tuple[str, ...], list[tuple[Value, ...]]] = {}
        for change in writes:
            values, add = _values_and_additions(change)
            key_values = tuple(change.key[k] for k in key)
            if key_values in existing:
                if values:
                    shape = (tuple(values), tuple(add))
                    updates.setdefault(shape, []).append((*values.values(), *key_values))
            else:
                row = {**change.key, **values}
                inserts.setdefault(tuple(row), []).append(tuple(row.values()))
        for (columns, added), rows in updates.items():
            statement = _update(table.name, columns, key, added)
            await self._set_based(table, statement, (*columns, *key), rows)
        for columns, rows in inserts.items():
            await self._set_based(table, _insert(table.name, columns), columns, rows)

    async def _set_based(
        self,
        table: Table,
        statement: str,
        columns: Sequence[str],
        rows: Sequence[tuple[Value, ...]],
    ) -> None:
        """`statement` (over `unnest($1::…[], …) AS w(v1, …)`, see `_rows_of`) given the rows'
        values column by column."""
        types = [f"{_PG_ARRAY_TYPES[table.types[c]]}[]" for c in columns]
        arrays = [list(values) for values in zip(*rows, strict=True)]
        await self._conn.execute(statement.format(rows=_rows_of(types)), *arrays)

    async def _existing(
        self, table: Table, writes: Sequence[Upsert | Increment]
    ) -> set[tuple[Value, ...]]:
        """The keys of `writes` whose rows exist, in one query (a key of any width)."""
        key = list(table.key)
        arrays = [f"${n}::{_PG_ARRAY_TYPES[table.types[k]]}[]" for n, k in enumerate(key, 1)]
        on = " AND ".join(f"t.{k} = w.{k}" for k in key)
        rows = await self._conn.fetch(
            f"SELECT {', '.join(f't.{k}' for k in key)} FROM {table.name} AS t "
            f"JOIN unnest({', '.join(arrays)}) AS w({', '.join(key)}) ON {on}",
            *([w.key[k] for w in writes] for k in key),
        )
        return {tuple(r) for r in rows}

    async def write(self, table: Table, change: RowChange) -> None:
        key, key_values = list(change.key), list(change.key.values())
        if isinstance(change, Delete):
            await self._conn.execute(sql.delete(table.name, key), *key_values)
            return
        values: dict[str, Value] = dict(change.values or {})
        add: list[str] = []
        if isinstance(change, Increment):
            values = {**change.amounts, **values}
            add = list(change.amounts)
        # Update first: a partial row is only meant for a row that exists.
        if values:
            statement = sql.update(table.name, list(values), key, add=add)
            status = await self._conn.execute(statement, *values.values(), *key_values)
            if status != "UPDATE 0":
                return
        row = {**change.key, **values}
        await self._conn.execute(sql.insert(table.name, list(row)), *row.values())
