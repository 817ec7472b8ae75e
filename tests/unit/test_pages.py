"""Cursors of keyset pages: they round-trip their row's key and refuse what they did not make."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketplace.projections.pages import InvalidCursor, Order, PageRequest, page_after
from marketplace.projections.tables import Column, ColumnType, Table

ROWS = Table(
    "rows",
    columns=(
        Column("id", ColumnType.TEXT),
        Column("at", ColumnType.TIMESTAMP),
        Column("amount", ColumnType.DECIMAL),
        Column("note", ColumnType.TEXT, nullable=True),
    ),
    key=("id",),
)
NEWEST = Order(ROWS, ("at", "amount", "id"), descending=True)


def test_a_cursor_round_trips_the_rows_order_values() -> None:
    row = {"id": "n-1", "at": datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC), "amount": Decimal("1.50")}
    assert NEWEST.decode(NEWEST.encode(row)) == [row["at"], row["amount"], row["id"]]


def _forged(*payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(payload)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!",
        "bm90IGpzb24",
        _forged("other_table", ["2027-01-02T00:00:00+00:00", "1", "x"]),
        _forged("rows", ["2027-01-02T00:00:00+00:00", "1"]),
        _forged("rows", ["2027-01-02T00:00:00", "1", "x"]),  # no zone
        _forged("rows", ["2027-01-02T00:00:00+00:00", "NaN", "x"]),
        _forged("rows", ["2027-01-02T00:00:00+00:00", 1.5, "x"]),
        _forged("rows", ["2027-01-02T00:00:00+00:00", "1", 7]),
        _forged("rows", "not a list"),
    ],
)
def test_a_cursor_it_did_not_make_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        NEWEST.decode(cursor)


def test_an_order_must_be_total_and_over_non_null_columns() -> None:
    with pytest.raises(ValueError, match="key"):
        Order(ROWS, ("at",))
    with pytest.raises(ValueError, match="non-null"):
        Order(ROWS, ("note", "id"))


def test_a_list_kept_in_memory_pages_by_the_last_key_seen() -> None:
    keys = ["a", "b", "c", "d", "e"]
    first, cursor = page_after("letters", keys, PageRequest(limit=2))
    assert keys[first] == ["a", "b"] and cursor is not None
    second, cursor = page_after("letters", keys, PageRequest(limit=2, cursor=cursor))
    assert keys[second] == ["c", "d"] and cursor is not None
    last, end = page_after("letters", keys, PageRequest(limit=2, cursor=cursor))
    assert keys[last] == ["e"] and end is None
    # The item a cursor names left a sorted list: the next page starts after where it was.
    after_b = page_after("letters", keys, PageRequest(limit=1))[1]
    after_b = page_after("letters", keys, PageRequest(limit=1, cursor=after_b))[1]
    assert after_b is not None
    rest, _ = page_after("letters", ["a", "c", "d"], PageRequest(limit=5, cursor=after_b))
    assert ["a", "c", "d"][rest] == ["c", "d"]
    with pytest.raises(InvalidCursor):  # not sorted, and the item is gone: no place to go on
        page_after("letters", ["d", "c", "a"], PageRequest(cursor=after_b))
    with pytest.raises(InvalidCursor):  # another list's
        page_after("numbers", keys, PageRequest(cursor=after_b))
