"""The durable list of API-requested replays: one table beside the live read models."""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from marketplace.projections.changes import Delete, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tables import Column, ColumnType, Table

REPLAYS = Table(
    "audit_replays",
    columns=(
        Column("id", ColumnType.TEXT),
        Column("as_of", ColumnType.TIMESTAMP),
        Column("status", ColumnType.TEXT),
        Column("progress", ColumnType.DECIMAL),
        Column("position", ColumnType.INTEGER),
        Column("head", ColumnType.INTEGER),
        Column("requested_by", ColumnType.TEXT),
        Column("created_at", ColumnType.TIMESTAMP),
        Column("updated_at", ColumnType.TIMESTAMP),
        Column("finished_at", ColumnType.TIMESTAMP, nullable=True),
        Column("error", ColumnType.TEXT, nullable=True),
    ),
    key=("id",),
)
# Only to have the store create the table the way it creates read models' tables; it is not a
# projection of events (no topics), so no feed, rebuild or status ever sees it.
REGISTRY = Projection("audit", 1, (), (REPLAYS,), apply=lambda _: [])
NEWEST_FIRST = Order(REPLAYS, ("created_at", "id"), descending=True)
IN_FLIGHT = ("pending", "running")


@dataclass(frozen=True)
class ReplayRow:
    id: str
    as_of: datetime
    status: str
    progress: Decimal
    position: int
    head: int
    requested_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    error: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ReplayRow:
        return cls(**row)


class ReplayRegistry:
    """Reads and writes the rows; every process serving the API shares them."""

    def __init__(self, store: ReadModelStore) -> None:
        self.store = store

    async def create_table(self) -> None:
        await self.store.create(REGISTRY)

    async def get(self, replay_id: str) -> ReplayRow | None:
        rows = await self.store.fetch(
            f"SELECT {_COLUMNS} FROM audit_replays WHERE id = $1", [replay_id], REPLAYS.types
        )
        return ReplayRow.of(rows[0]) if rows else None

    async def page(self, request: PageRequest) -> tuple[list[ReplayRow], str | None]:
        found: Page = await fetch_page(self.store, NEWEST_FIRST, [], [], request)
        return [ReplayRow.of(r) for r in found.items], found.next_cursor

    async def in_flight(self) -> list[ReplayRow]:
        rows = await self.store.fetch(
            f"SELECT {_COLUMNS} FROM audit_replays WHERE status IN ($1, $2)",
            list(IN_FLIGHT),
            REPLAYS.types,
        )
        return [ReplayRow.of(r) for r in rows]

    async def created_before(self, moment: datetime) -> list[ReplayRow]:
        rows = await self.store.fetch(
            f"SELECT {_COLUMNS} FROM audit_replays WHERE created_at < $1", [moment], REPLAYS.types
        )
        return [ReplayRow.of(r) for r in rows]

    async def save(self, replay_id: str, **values: Value) -> None:
        async with self.store.transaction() as tx:
            await tx.write(REPLAYS, Upsert(REPLAYS.name, {"id": replay_id}, values))

    async def delete(self, replay_id: str) -> None:
        async with self.store.transaction() as tx:
            await tx.write(REPLAYS, Delete(REPLAYS.name, {"id": replay_id}))


_COLUMNS = ", ".join(c.name for c in REPLAYS.columns)
