"""Trade volume (`GET /v1/projections/trade-volume`) at 10k and 100k contracts, beside the bare
SQL GROUP BY on the same table in the same run.

Usage: python bench/trade_volume_bench.py [--store sqlite|postgres] [--sizes 10000,100000]
           [--queries 30]
Fills the trade_volume read model through the projection's reducer and the store's writes
(synthetic contract events: created, activated, one delivery; no HTTP, no event store), then
times per group-by `trade_volume.volume` — the work the endpoint does per request — beside the
raw aggregate (`SELECT key, COUNT(*), SUM(amount_minor), SUM(delivered_minor) … GROUP BY key`
on a plain sqlite3 / asyncpg connection) and beside the previous way (fetching every row and
summing in Python). PostgreSQL: a fresh schema in --database-url, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from marketplace.events.envelope import CloudEvent, event_id
from marketplace.projections import trade_volume
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tables import ColumnType

ACTOR = {"unit_id": "HQ", "token_id": "bench"}
START = datetime(2026, 1, 1, tzinfo=UTC)
GROUPS = ("sector", "supply_unit", "month")


def events_of(n: int) -> list[CloudEvent]:
    """Contract `n`: created, activated (one of 24 months), half of it delivered."""
    subject = f"c{n:07d}"
    supplier = f"U-{n % 500:03d}"
    amount = f"{1000 + n % 9973}.{n % 100:02d}"
    half = f"{(Decimal(amount) / 2).quantize(Decimal('0.01'))}"
    moment = START + timedelta(days=(n * 7) % 730, seconds=n % 86400)
    parties = {"supply_sector": f"sector-{n % 12}", "demand_sector": "heat", "category": "p"}
    kinds: list[tuple[str, dict[str, object]]] = [
        (
            "created",
            {
                "need_id": f"n{n}",
                "offer_id": f"o{n}",
                "demand_unit_id": f"D-{n % 300:03d}",
                "supply_unit_id": supplier,
                "business_type": ("product", "service", "engineering")[n % 3],
                "item_code": "STEAM",
                "quantity": "1",
                "unit_price": amount,
                "amount": amount,
                "status": "awaiting_signatures",
                "parties": parties,
            },
        ),
        ("activated", {"amount": amount, "parties": parties}),
        (
            "delivered",
            {
                "quantity": "1",
                "amount": half,
                "delivered_at": moment.isoformat(),
                "late": False,
                "parties": parties,
            },
        ),
    ]
    return [
        CloudEvent(
            id=event_id(subject, version),
            type=f"marketplace.contract.{kind}.v1",
            subject=subject,
            time=moment,
            dataschema=f"urn:marketplace:schema:marketplace.contract.{kind}.v1",
            sequence=version,
            aggregateversion=version,
            data=data | {"actor": ACTOR},
        )
        for version, (kind, data) in enumerate(kinds, 1)
    ]


async def fill(store: ReadModelStore, contracts: int) -> None:
    """The reducer's row changes, written in transactions of 1,000 contracts."""
    table = trade_volume.CONTRACTS
    for start in range(0, contracts, 1000):
        changes = [
            change
            for n in range(start, min(start + 1000, contracts))
            for event in events_of(n)
            for change in trade_volume.PROJECTION.apply(event)
        ]
        async with store.transaction() as tx:
            await tx.write_many(table, changes)


async def python_sums(store: ReadModelStore, group_by: trade_volume.GroupBy) -> int:
    """The previous way: every row fetched, summed in Python (on the new minor units)."""
    column = trade_volume._COLUMN[group_by]
    rows = await store.fetch(
        f"SELECT {column} AS key, amount_minor, delivered_minor FROM trade_volume_contracts "
        "WHERE activated_at IS NOT NULL",
        [],
        {"key": ColumnType.TEXT},
    )
    totals: dict[str, list[Decimal]] = {}
    for r in rows:
        t = totals.setdefault(r["key"], [Decimal(0), Decimal(0)])
        t[0] += Decimal(r["amount_minor"])
        t[1] += Decimal(r["delivered_minor"])
    return len(totals)


def raw_sql(group_by: trade_volume.GroupBy) -> str:
    column = trade_volume._COLUMN[group_by]
    return (
        f"SELECT {column}, COUNT(*), SUM(amount_minor), SUM(delivered_minor) "
        f"FROM trade_volume_contracts WHERE activated_at IS NOT NULL GROUP BY {column}"
    )


async def timed(fn: Callable[[], Awaitable[Any]], queries: int) -> float:
    """Median milliseconds of `queries` calls (after one warm-up)."""
    await fn()
    took = []
    for _ in range(queries):
        t = time.perf_counter()
        await fn()
        took.append((time.perf_counter() - t) * 1000)
    return statistics.median(took)


async def measure(
    store: ReadModelStore, raw: Callable[[str], Awaitable[Any]], queries: int
) -> None:
    for group_by in GROUPS:
        ours = await timed(lambda g=group_by: trade_volume.volume(store, g, None, None), queries)
        bare = await timed(lambda g=group_by: raw(raw_sql(g)), queries)
        before = await timed(lambda g=group_by: python_sums(store, g), max(queries // 5, 3))
        groups = len(await trade_volume.volume(store, group_by, None, None))
        print(
            f"  group by {group_by:<12} ({groups:>3} groups): volume() {ours:7.2f} ms, "
            f"raw GROUP BY {bare:7.2f} ms, ratio {ours / bare:4.2f}; "
            f"fetch-all-and-sum-in-Python {before:7.1f} ms"
        )


async def on_sqlite(size: int, queries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "read_models.sqlite3"
        store = await open_store(ReadModelLocation(sqlite_path=path))
        raw = sqlite3.connect(path, check_same_thread=False)
        try:
            await store.create(trade_volume.PROJECTION)
            started = time.perf_counter()
            await fill(store, size)
            print(f"{size} contracts filled in {time.perf_counter() - started:.1f} s (SQLite)")
            raw.execute("ANALYZE")

            async def bare(sql: str) -> Any:
                return raw.execute(sql).fetchall()

            await measure(store, bare, queries)
        finally:
            raw.close()
            await store.close()


async def on_postgres(size: int, queries: int, url: str) -> None:
    schema = f"bench_volume_{uuid.uuid4().hex[:8]}"
    store = await open_store(ReadModelLocation(postgres_url=url, postgres_schema=schema))
    conn = await asyncpg.connect(url, server_settings={"search_path": schema})
    try:
        await store.create(trade_volume.PROJECTION)
        started = time.perf_counter()
        await fill(store, size)
        print(f"{size} contracts filled in {time.perf_counter() - started:.1f} s (PostgreSQL)")
        await conn.execute("VACUUM ANALYZE trade_volume_contracts")
        await measure(store, conn.fetch, queries)
    finally:
        await store.close()
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    for size in [int(s) for s in args.sizes.split(",")]:
        if args.store == "sqlite":
            await on_sqlite(size, args.queries)
        else:
            await on_postgres(size, args.queries, args.database_url)


if __name__ == "__main__":
    asyncio.run(main())
