"""A SQLite connection for read models: our `$n` SQL, and values SQLite has no type for."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from marketplace.private_files import private_dir, private_file
from marketplace.projections.changes import Value
from marketplace.projections.tables import ColumnType

_PLACEHOLDER = re.compile(r"\$(\d+)")


_AS_IS = frozenset({str, int, float, type(None), bytes})


def encode(value: Value) -> object:
    """A Python value as SQLite stores it (booleans 0/1, exact decimals and UTC times as text)."""
    if type(value) in _AS_IS:  # most values, on the hot path of every write
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode(value: Any, kind: ColumnType) -> Any:
    if value is None:
        return None
    if kind is ColumnType.BOOLEAN:
        return bool(value)
    if kind is ColumnType.TIMESTAMP:
        return datetime.fromisoformat(value)
    if kind is ColumnType.DECIMAL:
        return Decimal(value)
    return value


_WAL_SWITCH_WAIT = 10.0  # seconds


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """`PRAGMA journal_mode=WAL`, waiting for another connection switching the same new file.

    Switching needs an exclusive lock, and SQLite answers "database is locked" at once instead
    of calling the busy handler: the API and its projection workers (`serve --all-in-one`)
    opening a new read-model file together failed to start now and then.
    """
    deadline = time.monotonic() + _WAL_SWITCH_WAIT
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SqliteConnection:
    """A sqlite3 connection in autocommit mode, taking the `$n` placeholders of our SQL."""

    def __init__(self, path: Path, *, reader: bool = False) -> None:
        """`reader`: a connection that only reads a file its writer opened (in WAL already)."""
        if reader:
            self.raw = sqlite3.connect(
                path, timeout=60, isolation_level=None, check_same_thread=False
            )
            self.raw.execute("PRAGMA query_only=ON")
            return
        private_dir(path.parent)
        private_file(path)
        self.raw = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        _switch_to_wal(self.raw)
        self.raw.execute("PRAGMA synchronous=NORMAL")

    def execute(self, statement: str, params: Sequence[Value] = ()) -> list[tuple[Any, ...]]:
        return self._cursor(statement, params).fetchall()

    def execute_many(self, statement: str, rows: Iterable[Sequence[Value]]) -> None:
        """One statement over many parameter rows, the loop in SQLite's C code."""
        self.raw.executemany(_native(statement), ([encode(p) for p in row] for row in rows))

    def execute_count(self, statement: str, params: Sequence[Value] = ()) -> int:
        """How many rows the statement changed."""
        return self._cursor(statement, params).rowcount

    def fetch(
        self, statement: str, params: Sequence[Value], types: Mapping[str, ColumnType]
    ) -> list[dict[str, Any]]:
        cursor = self._cursor(statement, params)
        names = [d[0] for d in cursor.description]
        return [
            {n: decode(v, types.get(n, ColumnType.TEXT)) for n, v in zip(names, row, strict=True)}
            for row in cursor.fetchall()
        ]

    def _cursor(self, statement: str, params: Sequence[Value]) -> sqlite3.Cursor:
        return self.raw.execute(_native(statement), [encode(p) for p in params])


@lru_cache(maxsize=1024)
def _native(statement: str) -> str:
    """Our `$n` placeholders as SQLite's `?n` (the same few statements run again and again)."""
    return _PLACEHOLDER.sub(r"?\1", statement)
