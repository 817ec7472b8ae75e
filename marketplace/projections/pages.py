"""Keyset pages of read-model rows: a stable order and an opaque cursor naming the last row seen.

A page asks the store for `limit + 1` rows after the cursor's row in a fixed order whose last
columns make it unique (the table's key); the extra row only tells whether there is a next page.
Rows inserted or removed between two pages never shift the others, unlike an offset.
"""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marketplace.projections.changes import Value
from marketplace.projections.store import RowReader
from marketplace.projections.tables import ColumnType, Table, check_identifier

DEFAULT_LIMIT, MAX_PAGE = 50, 500


class InvalidCursor(ValueError):
    """A cursor this order did not make (edited, truncated, or from another list)."""


@dataclass(frozen=True)
class Order:
    """A total order of a table's rows: `columns` (ending with a unique key), one direction."""

    table: Table
    columns: tuple[str, ...]
    descending: bool = False

    def __post_init__(self) -> None:
        names = {c.name for c in self.table.columns}
        nullable = {c.name for c in self.table.columns if c.nullable}
        for column in self.columns:
            if column not in names or column in nullable:
                # A row comparison with a NULL is unknown: the row would fall out of every page.
                raise ValueError(f"{self.table.name}: no non-null column {column!r}")
            check_identifier(column)
        if not set(self.table.key) <= set(self.columns):
            raise ValueError(f"{self.table.name}: an order must include the key to be total")

    def encode(self, row: dict[str, Any]) -> str:
        return _encode(self.table.name, [_plain(row[c]) for c in self.columns])

    def decode(self, cursor: str) -> list[Value]:
        values = _decode(self.table.name, cursor, len(self.columns))
        types = self.table.types
        return [_typed(v, types[c]) for c, v in zip(self.columns, values, strict=True)]


@dataclass(frozen=True)
class PageRequest:
    """Which page: at most `limit` rows after the row `cursor` names (none: the first page)."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class Source:
    """Where a page's rows come from when not plainly `order.table`: a join whose rows the
    order's table keys (its columns qualified by `alias`), what to select, and the types."""

    from_: str
    select: str
    types: dict[str, ColumnType]
    alias: str = ""


async def fetch_page(
    reader: RowReader,
    order: Order,
    where: Sequence[str],
    params: Sequence[Value],
    request: PageRequest,
    source: Source | None = None,
) -> Page:
    """One page of `order.table`'s rows (or `source`'s) matching every condition of `where`.

    `where` holds conditions with `$n` placeholders numbered over `params`; a cursor that
    this order did not make raises `InvalidCursor`.
    """
    table, limit, cursor = order.table, request.limit, request.cursor
    if source is None:
        columns = ", ".join(c.name for c in table.columns)
        source = Source(table.name, columns, table.types)
    keys = [source.alias + c for c in order.columns]
    conditions, values = list(where), list(params)
    if cursor is not None:
        after = order.decode(cursor)
        first = len(values) + 1
        marks = ", ".join(f"${first + i}" for i in range(len(after)))
        comparison = "<" if order.descending else ">"
        conditions.append(f"({', '.join(keys)}) {comparison} ({marks})")
        values.extend(after)
    direction = " DESC" if order.descending else ""
    clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = (
        f"SELECT {source.select} FROM {source.from_}{clause} "
        f"ORDER BY {', '.join(k + direction for k in keys)} LIMIT ${len(values) + 1}"
    )
    rows = await reader.fetch(sql, [*values, limit + 1], source.types)
    if len(rows) <= limit:
        return Page(rows, None)
    return Page(rows[:limit], order.encode(rows[limit - 1]))


def page_after(name: str, keys: Sequence[str], request: PageRequest) -> tuple[slice, str | None]:
    """A page of a list kept in memory in a fixed order, where `keys` name its items uniquely:
    the slice of the items on the page and the cursor to the next (naming the last one seen).
    """
    start = 0
    if request.cursor is not None:
        [after] = _decode(name, request.cursor, 1)
        if not isinstance(after, str):
            raise InvalidCursor("not a cursor this list gave out")
        if after in keys:
            start = list(keys).index(after) + 1
        elif list(keys) == sorted(keys):  # the item left the list: go on after where it was
            start = bisect.bisect_right(keys, after)
        else:
            raise InvalidCursor("the cursor's item is no longer in this list")
    end = start + request.limit
    more = end < len(keys)
    return slice(start, end), _encode(name, [keys[end - 1]]) if more else None


def _encode(name: str, values: list[Any]) -> str:
    raw = json.dumps([name, values], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(name: str, cursor: str, length: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursor("not a cursor this list gave out") from exc
    if found != name or not isinstance(values, list):
        raise InvalidCursor("a cursor of another list")
    if len(values) != length:
        raise InvalidCursor("not a cursor this list gave out")
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _typed(value: Any, kind: ColumnType) -> Value:
    """The cursor's JSON value as the column's Python value, or `InvalidCursor`."""
    try:
        typed = _READERS[kind](value)
    except (ValueError, InvalidOperation, TypeError) as exc:
        raise InvalidCursor("not a cursor this list gave out") from exc
    if typed is None:
        raise InvalidCursor("not a cursor this list gave out")
    return typed


def _moment(value: Any) -> Value:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    return moment if moment is not None and moment.tzinfo is not None else None


def _decimal(value: Any) -> Value:
    number = Decimal(value) if isinstance(value, str) else None
    return number if number is not None and number.is_finite() else None


_READERS: dict[ColumnType, Callable[[Any], Value]] = {
    ColumnType.TIMESTAMP: _moment,
    ColumnType.DECIMAL: _decimal,
    ColumnType.INTEGER: lambda v: v if type(v) is int and abs(v) < 2**63 else None,
    ColumnType.BOOLEAN: lambda v: v if isinstance(v, bool) else None,
    ColumnType.TEXT: lambda v: v if isinstance(v, str) else None,
}
