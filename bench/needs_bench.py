"""POST a need against catalogs of growing size: the handler's time beside the smallest catalog.

Usage: python bench/needs_bench.py [--sizes 100,10000,100000] [--posts 200]
Embedded SQLite store in a temporary directory; no services needed. For each size it builds a
chart (one platform, 300 suppliers, one demand unit) and one published catalog version in force
with that many approved entries, then times `post_need` — the use case behind `POST /v1/needs`:
authorisation, the chart, the catalog version in force, matching, the save. The figure to watch
is each size's p50 as a ratio of the smallest size's (issue 13: 100k within 1.2x of 100).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

from scaling import per_size, sizes_of  # bench/scaling.py, beside this script

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion
from marketplace.aggregates.catalog_index import CATALOG_INDEX_ID, CatalogIndex
from marketplace.aggregates.need import NeedSpec
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.handlers.auth import Principal
from marketplace.handlers.needs import post_need
from marketplace.handlers.ports import Services

ACTOR = Actor(unit_id="HQ", token_id="bench")
NOW = datetime(2027, 2, 1, tzinfo=UTC)
SUPPLIERS = 300


def build(store: EventSourcingStore, entries: int) -> None:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=NOW)
    org.register_unit("HQ", "HQ", Level.GROUP, None, None, ACTOR, NOW)
    org.register_unit("PWR", "Power", Level.PLATFORM, "HQ", "power", ACTOR, NOW)
    org.register_unit("BUY", "Buyer", Level.ENTERPRISE, "PWR", "power", ACTOR, NOW)
    for s in range(SUPPLIERS):
        org.register_unit(f"S-{s}", f"Supplier {s}", Level.ENTERPRISE, "PWR", "power", ACTOR, NOW)
    opened = NOW - timedelta(days=60)
    version = CatalogVersion.open(
        "cat-bench", "2027H1", date(2027, 1, 1), date(2027, 6, 30), opened, ACTOR, opened
    )
    version.submit(
        "PWR",
        [
            CatalogEntry(
                f"e{i}",
                "PWR",
                f"S-{i % SUPPLIERS}",
                "product",
                "heat",
                f"ITEM-{i // 3:06d}",
                f"Item {i}",
                "t",
                "12.50",
            )
            for i in range(entries)
        ],
        ACTOR,
        opened - timedelta(days=1),
    )
    for i in range(entries):
        version.approve_entry(f"e{i}", ACTOR, opened)
    index = CatalogIndex(id=CATALOG_INDEX_ID, actor=ACTOR, timestamp=opened)
    version.publish(index.record_publication(version, ACTOR, opened), ACTOR, opened)
    store.save(org, version, index)


def time_posts(store: EventSourcingStore, posts: int) -> list[float]:
    ids = count()
    svc = Services(store=store, clock=lambda: NOW, new_id=lambda p: f"{p}_{next(ids)}")
    principal = Principal("tok_bench", "HQ", frozenset({Role.HQ_ADMIN}))
    spec = NeedSpec(
        "BUY",
        "Steam",
        "product",
        "heat",
        "ITEM-000001",
        Decimal(10),
        "t",
        date(2027, 3, 1),
        Decimal(1000),
        "market",
        "direct",
    )
    post_need(svc, principal, spec)  # warm: the first read of each aggregate fills the cache
    took = []
    for _ in range(posts):
        started = time.perf_counter()
        post_need(svc, principal, spec)
        took.append(time.perf_counter() - started)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()

    def timed(store: EventSourcingStore, size: int) -> list[float]:
        build(store, size)
        return time_posts(store, args.posts)

    first = args.sizes.split(",")[0]
    for f in per_size(sizes_of(args.sizes), timed):
        print(
            f"catalog {f.size:>7,} entries: post_need p50 {f.p50_ms:7.2f} ms, "
            f"p99 {f.p99_ms:7.2f} ms, p50 {f.ratio:4.2f}x the {first}-entry catalog's"
        )


if __name__ == "__main__":
    main()
