"""Row changes: what a reducer asks a store to do, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
