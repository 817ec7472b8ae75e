"""SQL both stores share: statements for row changes, written with `$n` placeholders."""

# ruff: noqa: S608 - SQL is built only from table and column names checked by check_identifier

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import pairwise
from typing import Any


def upsert(
    table: str,
    key: Sequence[str],
    columns: Sequence[str],
    *,
    add: Sequence[str] = (),
    source: str | None = None,
) -> str:
    """Insert `columns`, or on a key conflict set the non-key ones (`add`: add to them).

    For whole rows only: NOT NULL is checked on the row to insert before any conflict.
    `source`: a query giving the rows (e.g. `SELECT … FROM unnest(…)`) instead of one row of
    `$n` parameters.
    """
    marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    rows = source if source is not None else f"VALUES ({marks})"
    sets = [
        f"{c} = {table}.{c} + excluded.{c}" if c in add else f"{c} = excluded.{c}"
        for c in columns
        if c not in key
    ]
    on_conflict = f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {rows} "
        f"ON CONFLICT ({', '.join(key)}) {on_conflict}"
    )


def insert(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def update(
    table: str, columns: Sequence[str], key: Sequence[str], *, add: Sequence[str] = ()
) -> str:
    """Set `columns` (`add`: add to them) of the row `key`; parameters are columns, then key."""
    sets = [f"{c} = {c} + ${i}" if c in add else f"{c} = ${i}" for i, c in enumerate(columns, 1)]
    return f"UPDATE {table} SET {', '.join(sets)} WHERE {where_key(key, len(columns) + 1)}"


def where_key(key: Sequence[str], start: int = 1) -> str:
    return " AND ".join(f"{c} = ${i}" for i, c in enumerate(key, start))


def delete(table: str, key: Sequence[str]) -> str:
    return f"DELETE FROM {table} WHERE {where_key(key)}"


def select(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {where_key(key)}"


def is_in(column: str, values: Sequence[Any], params: list[Any]) -> str:
    """`column IN ($k, …)` for `values`, appended to `params` (never true for no values)."""
    marks = []
    for value in values:
        params.append(value)
        marks.append(f"${len(params)}")
    return f"{column} IN ({', '.join(marks) or 'NULL'})"


def on_sqlite(reader: object) -> bool:
    """Whether `reader` reads SQLite (where a query's best shape sometimes differs)."""
    return getattr(reader, "dialect", None) == "sqlite"


# A chart's months: one query grouping by a CASE over the months (Where.slices) on PostgreSQL
# (a year of the group's 100,000 contracts: ~42 ms, against 5-10 ms a month one by one);
# SQLite sorts that grouping in a temporary tree (~130 ms), so there a query a month by the
# time index stays the quicker (~70 ms the twelve).
def slices_in_one_query(reader: object) -> bool:
    return not on_sqlite(reader)


def back_to_back(windows: Sequence[tuple[Any, Any]]) -> None:
    """Raise ValueError unless each [start, end) window starts where the one before ends."""
    if any(a[1] != b[0] for a, b in pairwise(windows)):
        raise ValueError("the windows must follow one another")


class Where:
    """A query's conditions and their `$n` parameters, built up one filter at a time; a filter
    given None is no filter."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.params: list[Any] = []

    def add(self, condition: str) -> None:
        self.conditions.append(condition)

    def equal(self, column: str, value: Any) -> None:
        if value is not None:
            self.params.append(value)
            self.add(f"{column} = ${len(self.params)}")

    def within(self, column: str, start: Any, end: Any) -> None:
        """`column` in [start, end); a bound given None is no bound."""
        for op, bound in ((">=", start), ("<", end)):
            if bound is not None:
                self.params.append(bound)
                self.add(f"{column} {op} ${len(self.params)}")

    def slices(self, column: str, windows: Sequence[tuple[Any, Any]]) -> str:
        """`column` within back-to-back [start, end) `windows` (in order): adds that filter and
        returns a CASE giving each row's window index, to group by (a chart's months in one
        query rather than one query a month)."""
        back_to_back(windows)
        if not windows:
            raise ValueError("no windows")
        self.within(column, windows[0][0], windows[-1][1])
        whens = []
        for n, (_, end) in enumerate(windows):
            self.params.append(end)
            whens.append(f"WHEN {column} < ${len(self.params)} THEN {n}")
        return f"CASE {' '.join(whens)} END"

    def sql(self) -> str:
        """The conditions joined by AND (`1 = 1` when there are none), for a WHERE clause."""
        return " AND ".join(self.conditions) or "1 = 1"

    def any_in(self, columns: Sequence[str], values: Collection[Any] | None) -> None:
        """One of `columns` holds one of `values` (in sorted order, so the SQL is stable)."""
        if values is not None:
            ordered = sorted(values)
            either = [is_in(column, ordered, self.params) for column in columns]
            self.add(f"({' OR '.join(either)})")
