"""Reviewing a catalog: one entry's approval against versions of growing size.

Usage: python bench/catalog_review_bench.py [--sizes 100,10000,100000] [--reviews 100]
Embedded SQLite store in a temporary directory; no services needed. For each size it opens a
version with that many pending entries (built directly, saved once), then times
`review_entry` — the use case behind `POST …/entries/{id}/approve` — on `--reviews` entries.
The figure to watch is each size's p50 as a ratio of the smallest size's (issue 13: flat).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime, timedelta

from scaling import per_size, sizes_of  # bench/scaling.py, beside this script

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.catalog import CatalogEntry, CatalogVersion
from marketplace.handlers.auth import Principal
from marketplace.handlers.catalog import review_entry
from marketplace.handlers.ports import Services

ACTOR = Actor(unit_id="HQ", token_id="bench")
OPENED = datetime(2026, 11, 1, tzinfo=UTC)


def build(store: EventSourcingStore, entries: int) -> None:
    version = CatalogVersion.open(
        "cat-bench",
        "2027H1",
        date(2027, 1, 1),
        date(2027, 6, 30),
        OPENED + timedelta(days=30),
        ACTOR,
        OPENED,
    )
    version.submit(
        "PWR",
        [
            CatalogEntry(
                f"e{i}",
                "PWR",
                f"S-{i % 300}",
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
        OPENED,
    )
    store.save(version)


def time_reviews(store: EventSourcingStore, reviews: int) -> list[float]:
    svc = Services(store=store, clock=lambda: OPENED + timedelta(days=1), new_id=lambda p: p)
    principal = Principal("tok_bench", "HQ", frozenset({Role.HQ_ADMIN}))
    review_entry(svc, principal, "cat-bench", "e0", None)  # warm: fills the cache
    took = []
    for i in range(1, reviews + 1):
        started = time.perf_counter()
        review_entry(svc, principal, "cat-bench", f"e{i}", None)
        took.append(time.perf_counter() - started)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--reviews", type=int, default=50)
    args = parser.parse_args()

    def timed(store: EventSourcingStore, size: int) -> list[float]:
        build(store, size)
        return time_reviews(store, min(args.reviews, size - 1))

    first = args.sizes.split(",")[0]
    for f in per_size(sizes_of(args.sizes), timed):
        print(
            f"version of {f.size:>7,} entries: approve one p50 {f.p50_ms:8.2f} ms, "
            f"{f.ratio:6.2f}x the {first}-entry version's"
        )


if __name__ == "__main__":
    main()
