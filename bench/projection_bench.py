"""Projection throughput into PostgreSQL, beside raw asyncpg writing the same rows.

Usage: python bench/projection_bench.py [--events 100000] [--units 2000] [--batch 500]
Needs PostgreSQL (infra/services.sh start). Feeds the organisation directory projection through
the framework (row changes + tracking in one transaction per batch, duplicates skipped), then
writes the very same upserts with asyncpg `executemany`, one transaction per batch.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from marketplace.events.envelope import CloudEvent, event_id
from marketplace.events.public.units import UNITS_TOPIC
from marketplace.projections import directory
from marketplace.projections.changes import Upsert
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.projections.tracking import TopicEvent, apply_log_batch

T0 = datetime(2027, 1, 1, tzinfo=UTC)
ACTOR = {"unit_id": "HQ", "token_id": "bench"}


def events(count: int, units: int) -> list[CloudEvent]:
    """Registrations of `units` enterprises, then renames round-robin, one aggregate."""
    out = []
    for seq in range(1, count + 1):
        unit = f"U-{(seq - 1) % units:05d}"
        if seq <= units:
            kind, data = (
                "registered",
                {
                    "unit_id": unit,
                    "name": unit,
                    "level": "enterprise",
                    "parent_id": "PWR",
                    "sector": "power",
                    "actor": ACTOR,
                },
            )
        else:
            kind, data = (
                "renamed",
                {"unit_id": unit, "name": f"{unit} r{seq}", "previous_name": unit, "actor": ACTOR},
            )
        out.append(
            CloudEvent(
                id=event_id("organisation", seq),
                type=f"marketplace.unit.{kind}.v1",
                subject="organisation",
                time=T0 + timedelta(milliseconds=seq),
                dataschema=f"urn:marketplace:schema:marketplace.unit.{kind}.v1",
                sequence=seq,
                aggregateversion=seq,
                data=data,
            )
        )
    return out


async def framework_rate(url: str, schema: str, feed: list[CloudEvent], batch: int) -> float:
    store = await open_store(ReadModelLocation(postgres_url=url, postgres_schema=schema))
    await store.create(directory.PROJECTION)
    started = time.perf_counter()
    for i in range(0, len(feed), batch):
        chunk: list[TopicEvent] = [(UNITS_TOPIC, e) for e in feed[i : i + batch]]
        await apply_log_batch(store, directory.PROJECTION, chunk, chunk[-1][1].sequence)
    elapsed = time.perf_counter() - started
    await store.close()
    return len(feed) / elapsed


async def raw_rate(url: str, schema: str, feed: list[CloudEvent], batch: int) -> float:
    """The same upserts (computed by the reducer beforehand) with plain asyncpg."""
    conn = await asyncpg.connect(url)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.execute(f'SET search_path TO "{schema}"')
    for statement in directory.UNITS.ddl("postgresql"):
        await conn.execute(statement)
    changes = [
        [c for e in feed[i : i + batch] for c in directory.apply(e)]
        for i in range(0, len(feed), batch)
    ]
    insert = (
        "INSERT INTO directory_units (id, name, level, parent_id, sector, active, changed_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET "
        "name = COALESCE($2, directory_units.name), changed_at = $7"
    )
    started = time.perf_counter()
    for chunk in changes:
        rows = []
        for change in chunk:
            assert isinstance(change, Upsert)
            v = change.values
            rows.append(
                (
                    change.key["id"],
                    v.get("name"),
                    v.get("level", "enterprise"),
                    v.get("parent_id"),
                    v.get("sector", "power"),
                    v.get("active", True),
                    v["changed_at"],
                )
            )
        async with conn.transaction():
            await conn.executemany(insert, rows)
    elapsed = time.perf_counter() - started
    await conn.close()
    return len(feed) / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    feed = events(args.events, args.units)
    tag = uuid.uuid4().hex[:8]
    schemas = [f"bench_proj_{tag}", f"bench_raw_{tag}"]
    try:
        framework = await framework_rate(args.database_url, schemas[0], feed, args.batch)
        raw = await raw_rate(args.database_url, schemas[1], feed, args.batch)
    finally:
        conn = await asyncpg.connect(args.database_url)
        for schema in schemas:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
    print(f"projection (directory, PostgreSQL): {framework:,.0f} events/s")
    print(f"raw asyncpg, same upserts: {raw:,.0f} events/s")
    print(f"ratio projection/raw: {framework / raw:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
