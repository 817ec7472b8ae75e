"""Row changes: what a reducer asks a store to do, as plain data."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

Value = str | int | bool | Decimal | datetime | None
Row = Mapping[str, Value]


@dataclass(frozen=True)
class Upsert:
    """Insert the row `key`, or set `values` on it when it exists (other columns keep theirs)."""

    table: str
    key: Row
    values: Row


@dataclass(frozen=True)
class Delete:
    """Remove the row `key` if it exists."""

    table: str
    key: Row


@dataclass(frozen=True)
class Increment:
    """Add `amounts` to the row `key`'s columns, creating it (from zero, plus `values`) if missing.

    Additive, so counters come out the same whatever order events of different aggregates
    arrive in; `values` are set on insert and update alike (e.g. a label).
    """

    table: str
    key: Row
    amounts: Mapping[str, int | Decimal]
    values: Row | None = None


RowChange = Upsert | Delete | Increment

# PostgreSQL text cannot hold U+0000 and UTF-8 cannot hold lone surrogates: the event store can
# (surrogates only in theory), so read models get U+FFFD instead, on SQLite too, so both stores
# answer alike. Events keep the original; a read model is a view of them.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable_text(text: str) -> str:
    """`text` with the characters no read-model store can hold replaced by U+FFFD."""
    if text.isascii() and "\x00" not in text:  # the common case, without the regex
        return text
    return _UNSTORABLE.sub(REPLACEMENT, text)


def storable_params(params: Sequence[Value]) -> list[Value]:
    """Query parameters as the rows hold text: a NUL asked for finds the U+FFFD stored."""
    return [storable_text(p) if isinstance(p, str) else p for p in params]


def _is_storable(value: Value) -> bool:
    if not isinstance(value, str):
        return True
    if value.isascii():  # the common case, without the regex: only NUL can be wrong there
        return "\x00" not in value
    return _UNSTORABLE.search(value) is None


def _storable_row(row: Row) -> Row:
    for value in row.values():  # a loop, not all(…) over a generator: this runs per change
        if isinstance(value, str) and not (value.isascii() and "\x00" not in value):
            break
    else:
        return row
    if all(_is_storable(v) for v in row.values()):
        return row
    return {k: storable_text(v) if isinstance(v, str) else v for k, v in row.items()}


def storable(change: RowChange) -> RowChange:
    """The change with its text values (keys too) made storable; itself when they all are."""
    key = _storable_row(change.key)
    if isinstance(change, Delete):
        return change if key is change.key else replace(change, key=key)
    if isinstance(change, Upsert):
        values = _storable_row(change.values)
        unchanged = key is change.key and values is change.values
        return change if unchanged else replace(change, key=key, values=values)
    extra = _storable_row(change.values) if change.values is not None else None
    unchanged = key is change.key and extra is change.values
    return change if unchanged else replace(change, key=key, values=extra)


def coalesce(changes: Sequence[RowChange]) -> list[list[RowChange]]:
    """The same effect in fewer writes, as rounds whose changes each touch a different row.

    Consecutive upserts of a row merge (later values win), consecutive increments add up, and
    a delete makes the row's earlier changes moot. What cannot merge stays in order: round n
    holds each row's n-th remaining change, so applying the rounds in order is equivalent.
    """
    by_row: dict[tuple[str, tuple[tuple[str, Value], ...]], list[RowChange]] = {}
    for change in changes:
        row = by_row.setdefault((change.table, tuple(change.key.items())), [])
        last = row[-1] if row else None
        if isinstance(change, Delete):
            row[:] = [change]
        elif isinstance(last, Upsert) and isinstance(change, Upsert):
            row[-1] = Upsert(change.table, change.key, {**last.values, **change.values})
        elif isinstance(last, Increment) and isinstance(change, Increment):
            amounts = dict(last.amounts)
            for column, amount in change.amounts.items():
                amounts[column] = amounts.get(column, 0) + amount
            values = {**(last.values or {}), **(change.values or {})}
            row[-1] = Increment(change.table, change.key, amounts, values or None)
        else:
            row.append(change)
    rounds: list[list[RowChange]] = []
    for row in by_row.values():
        for n, change in enumerate(row):
            if n == len(rounds):
                rounds.append([])
            rounds[n].append(change)
    return rounds


def split_round(
    changes: Sequence[RowChange], every: int
) -> tuple[list[Delete], dict[tuple[str, ...], list[tuple[Value, ...]]], list[Upsert | Increment]]:
    """A round's deletes, its whole rows (upserts giving all `every` columns) by their
    columns, and the other changes, which need to know which rows exist.

    Inserting a whole row or setting all of it is the same upsert, without looking the row up;
    a partial row needs the lookup, or its insert would miss NOT NULL columns.
    """
    deletes: list[Delete] = []
    whole: dict[tuple[str, ...], list[tuple[Value, ...]]] = {}
    writes: list[Upsert | Increment] = []
    for change in changes:
        if isinstance(change, Delete):
            deletes.append(change)
            continue
        row = {**change.key, **change.values} if isinstance(change, Upsert) else None
        if row is not None and len(row) == every:
            whole.setdefault(tuple(row), []).append(tuple(row.values()))
        else:
            writes.append(change)
    return deletes, whole, writes
