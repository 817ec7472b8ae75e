"""The relay's saved position, kept in the event store's own database."""

from __future__ import annotations

import sqlite3
from typing import Protocol

from psycopg import sql

from marketplace.adapters.eventstore import StoreLocation
from marketplace.adapters.postgres import DatabaseTimeouts, open_pool


class PositionStore(Protocol):
    def load(self) -> int: ...

    def save(self, position: int) -> None: ...


class SQLitePositions:
    """A row per relay in the SQLite event-store file."""

    def __init__(self, path: str, name: str) -> None:
        self._name = name
        self._conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
        with self._conn:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS relay_positions "
                "(name TEXT PRIMARY KEY, position INTEGER NOT NULL)"
            )

    def load(self) -> int:
        row = self._conn.execute(
            "SELECT position FROM relay_positions WHERE name = ?", (self._name,)
        ).fetchone()
        return int(row[0]) if row else 0

    def save(self, position: int) -> None:
        with self._conn:
            self._conn.execute(
                "INSERT INTO relay_positions (name, position) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                (self._name, position),
            )

    def close(self) -> None:
        self._conn.close()


class PostgresPositions:
    """A row per relay in the event store's PostgreSQL schema (through a pool that outlives
    a database restart)."""

    def __init__(
        self, url: str, schema: str, name: str, timeouts: DatabaseTimeouts = DatabaseTimeouts()
    ) -> None:
        self._name = name
        self._pool = open_pool(url, timeouts, name="relay-positions", max_size=1)
        self._table = sql.Identifier(schema, "relay_positions")
        # One transaction (the pool's connections autocommit) under a lock: relays starting
        # together would otherwise both try to create the table, and the loser fail.
        with self._pool.connection() as conn, conn.transaction():
            lock = f"{schema}.relay_positions"
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} "
                    "(name text PRIMARY KEY, position bigint NOT NULL)"
                ).format(self._table)
            )

    def load(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT position FROM {} WHERE name = %s").format(self._table),
                (self._name,),
            ).fetchone()
        return int(row[0]) if row else 0

    def save(self, position: int) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (name, position) VALUES (%s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET position = excluded.position"
                ).format(self._table),
                (self._name, position),
            )

    def close(self) -> None:
        self._pool.close()


def open_positions(
    location: StoreLocation, name: str = "kafka"
) -> SQLitePositions | PostgresPositions:
    if location.postgres_url:
        return PostgresPositions(
            location.postgres_url, location.postgres_schema, name, location.timeouts
        )
    assert location.sqlite_path is not None
    return SQLitePositions(str(location.sqlite_path), name)
