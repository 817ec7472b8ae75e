"""Audit chain throughput: linking and verifying N stored events, beside a raw baseline.

Usage (from the repository root): python -m bench.audit_chain_bench [--events 100000]
[--store sqlite|postgres]
The baseline is reading the same notifications and hashing the same bytes with hashlib alone
(no chain table), in the same run; the ratio is chain/raw.
"""

from __future__ import annotations

import argparse
import hashlib
import time

from bench.relay_bench import filled_store
from marketplace.adapters.eventstore import (
    EventSourcingStore,
)
from marketplace.audit.chain import Ledger


def raw_rate(store: EventSourcingStore) -> float:
    started = time.perf_counter()
    position, count = 0, 0
    while page := store.read(position, 2000):
        for n in page:
            hashlib.sha256(bytes(n.state)).hexdigest()
        count += len(page)
        position = page[-1].id
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with filled_store(args.store, args.database_url, args.events) as store:
        ledger = Ledger(store.location)
        started = time.perf_counter()
        linked = ledger.extend(store)
        extend = linked / (time.perf_counter() - started)
        started = time.perf_counter()
        result = ledger.verify(store)
        verify = result.events_checked / (time.perf_counter() - started)
        assert result.ok
        raw = raw_rate(store)
        ledger.close()
        print(f"chain extend: {extend:,.0f} events/s (read, hash, write links)")
        print(f"chain verify: {verify:,.0f} events/s (read events and links, recompute)")
        print(f"raw read + sha256 of the same bytes: {raw:,.0f} events/s")
        print(f"ratio extend/raw: {extend / raw:.2f}, verify/raw: {verify / raw:.2f}")


if __name__ == "__main__":
    main()
