"""The embedded store's log tail, read on a connection of its own (never queued for the pool)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import NamedTuple


class Touched(NamedTuple):
    """A stored event as a look at the log needs it: its position and its aggregate."""

    id: int
    originator_id: str


class SQLiteLogTail:
    """`read` and `head` for `FreshAggregates` on the SQLite event store.

    The library's pool hands a reader its connection only after every writer queued before it
    has committed (one semaphore for all), and reads whole rows. A look at the log needs
    neither: on a connection of its own, in WAL mode, it reads the last committed state without
    waiting for a writer, and only the ids it uses (each request makes one, when it first reads
    an aggregate).
    """

    def __init__(self, path: Path, table: str, lock_timeout: float) -> None:
        self._path, self._lock_timeout = path, lock_timeout
        # `table` is the library's own events table name, never input.
        select = f"SELECT rowid, originator_id FROM {table}"  # noqa: S608
        self._read_sql = f"{select} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        self._head_sql = f"SELECT MAX(rowid) FROM {table}"  # noqa: S608
        self._lock = threading.Lock()  # one connection, used by one thread at a time
        self._connection: sqlite3.Connection | None = None

    def read(self, after: int, limit: int) -> list[Touched]:
        with self._lock:
            rows = self._connect().execute(self._read_sql, (after, limit)).fetchall()
        return [Touched(int(row[0]), str(row[1])) for row in rows]

    def head(self) -> int:
        with self._lock:
            # Read to the end: a statement left mid-way would hold its read transaction open.
            (row,) = self._connect().execute(self._head_sql).fetchall()
        return int(row[0] or 0)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            # Autocommit: each statement reads the state last committed when it starts.
            self._connection = sqlite3.connect(
                self._path,
                isolation_level=None,
                check_same_thread=False,
                timeout=self._lock_timeout,
            )
        return self._connection
