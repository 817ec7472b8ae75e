"""Catalog search latency on a large catalog in force, beside the same query in raw asyncpg.

Usage: python bench/catalog_search_bench.py [--entries 100000] [--queries 300]
Needs PostgreSQL (infra/services.sh start). Builds the catalog_search read model through the
projection framework from synthetic catalog events (one published version, N approved entries),
then times `catalog_search.search(item_code=…)` — the work the API does per request — and the
bare SELECT by item code on the same tables.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from marketplace.events.envelope import CloudEvent, event_id
from marketplace.events.public.catalog import CATALOG_TOPIC
from marketplace.projections import catalog_search
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.tracking import TopicEvent, apply_log_batch

ACTOR = {"unit_id": "HQ", "token_id": "bench"}
VERSION = "cat-bench"
SUBCATEGORIES = [
    ("product", "heat"),
    ("product", "power"),
    ("service", "maintenance"),
    ("engineering", "design"),
    ("resource", "tangible/spare_parts"),
]


def catalog_events(entries: int) -> list[CloudEvent]:
    version = 0

    def event(kind: str, data: dict[str, object]) -> CloudEvent:
        nonlocal version
        version += 1
        name = f"marketplace.catalog_version.{kind}.v1"
        return CloudEvent(
            id=event_id(VERSION, version),
            type=name,
            subject=VERSION,
            time=datetime(2026, 12, 1, tzinfo=UTC),
            dataschema=f"urn:marketplace:schema:{name}",
            sequence=version,
            aggregateversion=version,
            data=data | {"actor": ACTOR},
        )

    period = {"period": "2027H1", "effective_from": "2027-01-01", "effective_to": "2027-06-30"}
    out = [event("opened", period | {"submission_deadline": "2026-12-01T00:00:00Z"})]
    for start in range(0, entries, 1000):
        out.append(
            event(
                "entries_submitted",
                {
                    "platform_unit_id": "PWR",
                    "entries": [
                        {
                            "entry_id": f"e{i}",
                            "platform_unit_id": "PWR",
                            "supplier_unit_id": f"S-{i % 300}",
                            "category": SUBCATEGORIES[i % 5][0],
                            "subcategory": SUBCATEGORIES[i % 5][1],
                            "item_code": f"ITEM-{i // 3:06d}",
                            "item_name": f"Item {i} spare part",
                            "uom": "pc",
                            "reference_price": "12.50",
                            "regions": ["north"],
                        }
                        for i in range(start, min(start + 1000, entries))
                    ],
                },
            )
        )
    out += [event("entry_approved", {"entry_id": f"e{i}"}) for i in range(entries)]
    out.append(event("published", period | {"replaces": None, "entry_count": entries}))
    return out


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    schema = f"bench_search_{uuid.uuid4().hex[:8]}"
    store = await open_store(
        ReadModelLocation(postgres_url=args.database_url, postgres_schema=schema)
    )
    conn = await asyncpg.connect(args.database_url)
    try:
        await store.create(catalog_search.PROJECTION)
        events = catalog_events(args.entries)
        started = time.perf_counter()
        for i in range(0, len(events), 500):
            chunk: list[TopicEvent] = [(CATALOG_TOPIC, e) for e in events[i : i + 500]]
            await apply_log_batch(store, catalog_search.PROJECTION, chunk, chunk[-1][1].sequence)
        print(
            f"read model: {args.entries} entries in force, built from {len(events)} events "
            f"in {time.perf_counter() - started:.1f} s"
        )
        await conn.execute(f'SET search_path TO "{schema}"')
        await conn.execute("ANALYZE")
        codes = [f"ITEM-{random.randrange(args.entries // 3):06d}" for _ in range(args.queries)]
        ours, raw = [], []
        for code in codes:
            t = time.perf_counter()
            hits = await catalog_search.search(store, day="2027-03-01", item_code=code)
            ours.append((time.perf_counter() - t) * 1000)
            assert hits, code
            t = time.perf_counter()
            await conn.fetch("SELECT * FROM catalog_search_entries WHERE item_code = $1", code)
            raw.append((time.perf_counter() - t) * 1000)
        print(f"search by item code (in force on a day, approved, joined): {percentiles(ours)}")
        print(f"raw asyncpg SELECT by item code: {percentiles(raw)}")
        print(
            f"ratio of medians search/raw: {statistics.median(ours) / statistics.median(raw):.1f}"
        )
    finally:
        await store.close()
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
