"""Catalog search latency on catalogs in force of 10k and 100k entries: by item code beside the
bare SELECT, and free text (`q=`) through the trigram index beside a scan, in one run.

Usage: python bench/catalog_search_bench.py [--store sqlite|postgres] [--sizes 10000,100000]
           [--queries 100]
Builds the catalog_search read model through the projection framework from synthetic catalog
events (one published version, N approved entries; a third of the item names Chinese), then
times `catalog_search.search` — the work the API does per request, first page of 50 — for:
an item code; `q=` of a model code found once (Latin, 3+ characters); of three Chinese
characters found in a few names; of a word in every English name; of two Chinese characters
(no trigram: a scan by design) in many names, and in some tens. The scan beside each `q=` is
the same search without the index (SQLite: without the FTS5 join; PostgreSQL: after dropping
the pg_trgm index). Prints p50 and p95 per size, and each 100k p50 over its 10k p50.
PostgreSQL: a fresh schema in --database-url, dropped afterwards (pg_trgm is created in
`public` if missing).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from marketplace.events.envelope import CloudEvent, event_id
from marketplace.events.public.catalog import CATALOG_TOPIC
from marketplace.projections import catalog_search
from marketplace.projections.catalog_search import Filters, find
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.pages import PageRequest
from marketplace.projections.store import ReadModelStore
from marketplace.projections.tracking import TopicEvent, apply_log_batch

ACTOR = {"unit_id": "HQ", "token_id": "bench"}
VERSION = "cat-bench"
DAY = "2027-03-01"
SUBCATEGORIES = [
    ("product", "heat"),
    ("product", "power"),
    ("service", "maintenance"),
    ("engineering", "design"),
    ("resource", "tangible/spare_parts"),
]
# Chinese names: a common word and three characters drawn from 60, so a given three
# characters are in a few names of 100k and two of them in some tens.
CHINESE_WORDS = ["蒸汽阀门", "锅炉给水泵", "高压管道", "疏水阀", "保温材料"]
CHINESE_POOL = (
    "电机组件配套轴承密封垫片法兰螺栓压力表温度计流量传感器控制柜开关插座线缆桥架支架滤网叶轮泵壳"
)


def item_name(i: int) -> str:
    rng = random.Random(i)
    if i % 3 == 2:
        chars = "".join(rng.choice(CHINESE_POOL) for _ in range(3))
        return f"{CHINESE_WORDS[i % 5]}{chars} 型{i % 97}"
    return f"Item {i} spare part model x{i:06d}"


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
                            "item_name": item_name(i),
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


def text_queries(entries: int, n: int) -> dict[str, list[str]]:
    """Per kind of `q=`, `n` queries taken from names the catalog holds."""
    rng = random.Random(entries)
    latin = [i for i in range(entries) if i % 3 != 2]
    chinese = [i for i in range(entries) if i % 3 == 2]
    return {
        "q= model code, 1 hit": [f"x{rng.choice(latin):06d}" for _ in range(n)],
        "q= 3 Chinese chars, few hits": [item_name(rng.choice(chinese))[-7:-4] for _ in range(n)],
        "q= word in every English name": ["spare"] * n,
        "q= 2 Chinese chars, in a fifth of names": ["蒸汽"] * n,
        "q= 2 Chinese chars, some hits (a scan)": [
            item_name(rng.choice(chinese))[-6:-4] for _ in range(n)
        ],
    }


@dataclass
class Timing:
    p50: float
    p95: float

    def __str__(self) -> str:
        return f"p50 {self.p50:6.2f} ms, p95 {self.p95:6.2f} ms"


async def timed(run: Callable[[str], Awaitable[Any]], args: list[str]) -> Timing:
    await run(args[0])  # warm
    took = []
    for arg in args:
        t = time.perf_counter()
        await run(arg)
        took.append((time.perf_counter() - t) * 1000)
    ordered = sorted(took)
    return Timing(statistics.median(ordered), ordered[max(int(len(ordered) * 0.95) - 1, 0)])


async def build(store: ReadModelStore, entries: int) -> None:
    await store.create(catalog_search.PROJECTION)
    events = catalog_events(entries)
    started = time.perf_counter()
    for i in range(0, len(events), 500):
        chunk: list[TopicEvent] = [(CATALOG_TOPIC, e) for e in events[i : i + 500]]
        await apply_log_batch(store, catalog_search.PROJECTION, chunk, chunk[-1][1].sequence)
    print(
        f"{entries} entries in force, built from {len(events)} events "
        f"in {time.perf_counter() - started:.1f} s"
    )


async def measure(
    store: ReadModelStore,
    entries: int,
    queries: int,
    raw_by_code: Callable[[str], Awaitable[Any]],
    unindex: Callable[[], Awaitable[None]],
) -> dict[str, Timing]:
    """Each kind's timing at this size ('…, scan' beside each `q=`)."""
    figures: dict[str, Timing] = {}
    rng = random.Random(0)
    codes = [f"ITEM-{rng.randrange(entries // 3):06d}" for _ in range(queries)]

    async def by_code(code: str) -> None:
        assert (await catalog_search.search(store, PageRequest(), day=DAY, item_code=code)).items

    figures["item code"] = await timed(by_code, codes)
    figures["item code, raw SELECT"] = await timed(raw_by_code, codes)
    kinds = text_queries(entries, queries)

    def searching(indexed: bool) -> Callable[[str], Awaitable[None]]:
        async def run(q: str) -> None:
            page = await find(store, PageRequest(), Filters(DAY, q=q), indexed=indexed)
            assert page.items, q

        return run

    for kind, qs in kinds.items():
        figures[kind] = await timed(searching(True), qs)
    await unindex()
    for kind, qs in kinds.items():
        figures[f"{kind}, scan"] = await timed(searching(False), qs[: max(queries // 4, 5)])
    for kind, timing in figures.items():
        print(f"  {kind:<42} {timing}")
    return figures


async def on_sqlite(entries: int, queries: int) -> dict[str, Timing]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "read_models.sqlite3"
        store = await open_store(ReadModelLocation(sqlite_path=path))
        raw = sqlite3.connect(path, check_same_thread=False)
        try:
            await build(store, entries)  # no ANALYZE: the application runs none on SQLite

            async def by_code(code: str) -> Any:
                sql = "SELECT * FROM catalog_search_entries WHERE item_code = ?"
                return raw.execute(sql, [code]).fetchall()

            async def unindex() -> None:
                """The scan is `find(indexed=False)`: no FTS5 join."""

            return await measure(store, entries, queries, by_code, unindex)
        finally:
            raw.close()
            await store.close()


async def on_postgres(entries: int, queries: int, url: str) -> dict[str, Timing]:
    schema = f"bench_search_{uuid.uuid4().hex[:8]}"
    store = await open_store(ReadModelLocation(postgres_url=url, postgres_schema=schema))
    conn = await asyncpg.connect(url, server_settings={"search_path": schema})
    try:
        await build(store, entries)
        await conn.execute("VACUUM ANALYZE")

        async def by_code(code: str) -> Any:
            sql = "SELECT * FROM catalog_search_entries WHERE item_code = $1"
            return await conn.fetch(sql, code)

        async def unindex() -> None:
            await conn.execute("DROP INDEX catalog_search_entries_item_name_folded_trgm")

        return await measure(store, entries, queries, by_code, unindex)
    finally:
        await store.close()
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    found: list[dict[str, Timing]] = []
    for entries in sizes:
        if args.store == "sqlite":
            found.append(await on_sqlite(entries, args.queries))
        else:
            found.append(await on_postgres(entries, args.queries, args.database_url))
    print(f"p50 at {sizes[-1]} over p50 at {sizes[0]} ({args.store}):")
    for kind, last in found[-1].items():
        print(f"  {kind:<42} {last.p50 / found[0][kind].p50:5.2f}")


if __name__ == "__main__":
    asyncio.run(main())
