"""Row changes applied to plain dicts: the reference meaning of Upsert, Delete and Increment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marketplace.projections.changes import Delete, Increment, RowChange, Upsert, Value

Key = tuple[tuple[str, Value], ...]
Rows = dict[str, dict[Key, dict[str, Any]]]


def _key(row: Any) -> Key:
    return tuple(sorted(row.items()))


def fold(changes: Iterable[RowChange], rows: Rows | None = None) -> Rows:
    """`rows` (table → key → row) after `changes`; what every store must agree with."""
    rows = rows if rows is not None else {}
    for change in changes:
        table = rows.setdefault(change.table, {})
        key = _key(change.key)
        if isinstance(change, Delete):
            table.pop(key, None)
        elif isinstance(change, Upsert):
            table.setdefault(key, dict(change.key)).update(change.values)
        elif isinstance(change, Increment):
            row = table.setdefault(key, dict(change.key))
            for column, amount in change.amounts.items():
                row[column] = row.get(column, 0) + amount
            row.update(change.values or {})
    return rows


def table_rows(rows: Rows, table: str) -> list[dict[str, Any]]:
    """One table's rows, in key order."""
    return [rows[table][k] for k in sorted(rows.get(table, {}), key=repr)]
