"""A batch of row changes (`write_many`: a few statements per round) leaves the same rows as
the same changes written one at a time, on both read-model stores."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketplace.projections.changes import Delete, Increment, RowChange, Upsert
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tables import Column, ColumnType, Table
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.both_stores

# A composite key with a timestamp in it (SQLite stores those as text: the lookup of existing
# rows must compare stored forms), a NOT NULL column, amounts to add to.
LEDGER = Table(
    "rows_ledger",
    columns=(
        Column("unit_id", ColumnType.TEXT),
        Column("day", ColumnType.TIMESTAMP),
        Column("label", ColumnType.TEXT, nullable=True),
        Column("note", ColumnType.TEXT, nullable=True),
        Column("amount", ColumnType.DECIMAL, nullable=True),
        Column("count", ColumnType.INTEGER, nullable=True),
    ),
    key=("unit_id", "day"),
)
# A single-column key (PostgreSQL takes another path for these).
TOTALS = Table(
    "rows_totals",
    columns=(
        Column("unit_id", ColumnType.TEXT),
        Column("label", ColumnType.TEXT, nullable=True),
        Column("amount", ColumnType.DECIMAL, nullable=True),
    ),
    key=("unit_id",),
)
PROJECTION = Projection("rows", 1, (), (LEDGER, TOTALS), lambda event: [])
DAY = datetime(2026, 3, 1, tzinfo=UTC)


async def _store(backend: str, request: pytest.FixtureRequest, path: Path) -> ReadModelStore:
    if backend == "sqlite":
        location = ReadModelLocation(sqlite_path=path)
    else:
        schema = request.getfixturevalue("pg_schema")
        location = ReadModelLocation(postgres_url=POSTGRES_URL, postgres_schema=schema + path.stem)
    store = await open_store(location)
    await store.create(PROJECTION)
    return store


@pytest.fixture
async def stores(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[ReadModelStore, ReadModelStore]]:
    batched = await _store(backend, request, tmp_path / "batched.sqlite3")
    single = await _store(backend, request, tmp_path / "single.sqlite3")
    yield batched, single
    await batched.close()
    await single.close()


def _random_changes(rng: random.Random, count: int) -> list[RowChange]:
    """Changes that hit few rows often, so rows merge, repeat within a round and come back."""
    changes: list[RowChange] = []
    for _ in range(count):
        unit = f"U{rng.randrange(4)}"
        if rng.random() < 0.5:
            table, key = (
                LEDGER.name,
                {"unit_id": unit, "day": DAY + timedelta(days=rng.randrange(3))},
            )
        else:
            table, key = TOTALS.name, {"unit_id": unit}
        kind = rng.random()
        label = rng.choice(["a", "b", "供应"])
        if kind < 0.15:
            changes.append(Delete(table, key))
        elif kind < 0.45:
            values: dict[str, Any] = {"label": label}
            if table == LEDGER.name and rng.random() < 0.5:
                values["note"] = f"n{rng.randrange(9)}"
            changes.append(Upsert(table, key, values))
        else:
            amounts: dict[str, Any] = {"amount": Decimal(rng.randrange(-500, 500)) / 100}
            if table == LEDGER.name:
                amounts["count"] = 1
            extra = {"label": label} if rng.random() < 0.3 else None
            changes.append(Increment(table, key, amounts, extra))
    return changes


async def _rows(store: ReadModelStore, table: Table) -> list[dict[str, Any]]:
    columns = ", ".join(c.name for c in table.columns)
    return await store.fetch(
        f"SELECT {columns} FROM {table.name} ORDER BY {', '.join(table.key)}",
        [],
        table.types,
    )


@pytest.mark.parametrize("seed", range(6))
async def test_a_batch_leaves_the_rows_one_by_one_writes_leave(
    stores: tuple[ReadModelStore, ReadModelStore], seed: int
) -> None:
    batched, single = stores
    rng = random.Random(seed)
    for _ in range(4):  # several batches: later ones meet the rows earlier ones left
        changes = _random_changes(rng, 60)
        async with batched.transaction() as tx:
            for table in (LEDGER, TOTALS):
                await tx.write_many(table, [c for c in changes if c.table == table.name])
        async with single.transaction() as tx:
            for change in changes:
                await tx.write(LEDGER if change.table == LEDGER.name else TOTALS, change)
    for table in (LEDGER, TOTALS):
        assert await _rows(batched, table) == await _rows(single, table)
    assert await _rows(batched, LEDGER), "the changes left some rows to compare"
