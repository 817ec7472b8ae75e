"""Quarterly report latency on a busy quarter, beside reading the same fact rows raw.

Usage: python bench/report_bench.py [--contracts 50000] [--store sqlite|postgres]
Fills the report-facts read model with N activated and N delivered contracts between 40
enterprises (4N fact rows in one quarter), then times `report_facts.totals` for the whole group
(every fact) and for one platform, beside a raw SELECT of the same rows with no summing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from marketplace.projections import report_facts
from marketplace.projections.changes import Upsert
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.store import ReadModelStore

T0 = datetime(2027, 1, 5, tzinfo=UTC)
UNITS = [f"P{p}-{e:02d}" for p in range(4) for e in range(10)]


def facts(contracts: int) -> list[Upsert]:
    rows = []
    for i in range(contracts):
        supplier, buyer = UNITS[i % 40], UNITS[(i * 7 + 3) % 40]
        at = T0 + timedelta(seconds=i)
        for metric, unit in (
            ("sold", supplier),
            ("bought", buyer),
            ("delivered_sold", supplier),
            ("delivered_bought", buyer),
        ):
            rows.append(
                Upsert(
                    report_facts.FACTS.name,
                    {"fact_id": f"c{i}:{metric}"},
                    {
                        "metric": metric,
                        "at": at,
                        "amount": Decimal("1234.56"),
                        "unit_id": unit,
                        "need_id": None,
                        "dispute_id": None,
                    },
                )
            )
    return rows


async def timed(action: object, repeats: int = 5) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        await action()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def measure(store: ReadModelStore, contracts: int) -> None:
    await store.create(report_facts.PROJECTION)
    rows = facts(contracts)
    for start in range(0, len(rows), 5000):
        async with store.transaction() as tx:
            await tx.write_many(report_facts.FACTS, rows[start : start + 5000])
    q1 = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    platform = [u for u in UNITS if u.startswith("P0-")]

    async def raw() -> None:
        await store.fetch(
            "SELECT metric, amount FROM report_facts_rows WHERE at >= $1 AND at < $2",
            list(q1),
            {"amount": report_facts.FACTS.types["amount"]},
        )

    group = await timed(lambda: report_facts.totals(store, UNITS, *q1))
    one = await timed(lambda: report_facts.totals(store, platform, *q1))
    base = await timed(raw)
    print(f"{len(rows):,} facts in the quarter ({store.where})")
    print(f"report totals, whole group: {group:.0f} ms (median of 5)")
    print(f"report totals, one platform (10 units): {one:.0f} ms")
    print(f"raw SELECT of every fact row, no sums: {base:.0f} ms")
    print(f"ratio group report/raw: {group / base:.2f}")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if args.store == "postgres":
            schema = f"bench_rep_{uuid.uuid4().hex[:8]}"
            location = ReadModelLocation(postgres_url=args.database_url, postgres_schema=schema)
        else:
            location = ReadModelLocation(sqlite_path=Path(tmp) / "read_models.sqlite3")
        store = await open_store(location)
        try:
            await measure(store, args.contracts)
        finally:
            await store.discard() if args.store == "postgres" else await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    asyncio.run(main(parser.parse_args()))
