"""A platform's catalog CSV import of 100k entries, beside a small import in the same run.

Usage: python bench/catalog_import_bench.py [--store sqlite|postgres] [--entries 100000]
       [--baseline 1000] [--timeout 600] [--database-url postgresql://…]
Each size runs in a child process of its own, on a fresh store (SQLite in a temporary
directory, or a fresh schema in the PostgreSQL database given): a chart of one platform and 300
suppliers and an open catalog version are saved, a CSV of N entries is written, then
`catalog_import.import_csv` — the use case behind `marketplace catalog import` — is timed: the
parse, the check of every line, the submission. Printed per size: the time, the time per entry as
a ratio of the baseline's (flat means the import grows linearly), the child's peak RSS, how many
events the submission stored and the largest one's stored size (issue 13: none over 1 MB).
A child still running after --timeout seconds is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from marketplace.adapters.eventstore import (
    EventSourcingStore,
    StoreLocation,
    ensure_postgres_schema,
)
from marketplace.adapters.postgres import DatabaseTimeouts
from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.catalog import CatalogVersion
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.handlers.auth import Principal
from marketplace.handlers.catalog_csv import COLUMNS
from marketplace.handlers.catalog_import import import_csv
from marketplace.handlers.ports import Services

ACTOR = Actor(unit_id="HQ", token_id="bench")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
SUPPLIERS = 300
VERSION_ID = "cat-bench"


def build(store: EventSourcingStore) -> None:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=NOW)
    org.register_unit("HQ", "HQ", Level.GROUP, None, None, ACTOR, NOW)
    org.register_unit("PWR", "Power", Level.PLATFORM, "HQ", "power", ACTOR, NOW)
    for s in range(SUPPLIERS):
        org.register_unit(f"S-{s}", f"Supplier {s}", Level.ENTERPRISE, "PWR", "power", ACTOR, NOW)
    version = CatalogVersion.open(
        VERSION_ID,
        "2027H1",
        date(2027, 1, 1),
        date(2027, 6, 30),
        NOW + timedelta(days=30),
        ACTOR,
        NOW,
    )
    store.save(org, version)


def csv_of(entries: int) -> str:
    """A realistic file: Chinese and English names, prices, capacities and regions."""
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for i in range(entries):
        out.write(
            f"S-{i % SUPPLIERS},product,heat,ITEM-{i // 3:06d},低压蒸汽 Low-pressure steam {i},"
            f"t,{100 + i % 900}.50,{1000 + i} t/year,north;east\n"
        )
    return out.getvalue()


def largest_events(store: EventSourcingStore, after: int) -> tuple[int, int]:
    """How many events were stored after position `after`, and the largest one's size."""
    count = largest = 0
    while True:
        page = store.read(after, 1000)
        if not page:
            return count, largest
        for record in page:
            count += 1
            largest = max(largest, len(record.state))
        after = page[-1].id


def one(entries: int, kind: str, database_url: str) -> dict[str, object]:
    """Import `entries` entries on a fresh store (run in the child process)."""
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "postgres":
            schema = f"bench_import_{uuid.uuid4().hex[:8]}"
            ensure_postgres_schema(database_url, schema)
            location = StoreLocation(
                postgres_url=database_url,
                postgres_schema=schema,
                timeouts=DatabaseTimeouts(statement=None),  # the CLI's long-work settings
            )
        else:
            location = StoreLocation(sqlite_path=Path(tmp) / "events.sqlite3")
        store = EventSourcingStore(location)
        try:
            build(store)
            before = store.head()
            ids = iter(range(10**9))
            svc = Services(store=store, clock=lambda: NOW, new_id=lambda p: f"{p}_{next(ids)}")
            principal = Principal("cli", "PWR", frozenset({Role.PLATFORM_ADMIN}))
            text = csv_of(entries)
            started = time.perf_counter()
            submitted = import_csv(svc, principal, VERSION_ID, text)
            took = time.perf_counter() - started
            assert len(submitted) == entries
            events, largest = largest_events(store, before)
        finally:
            store.close()
            if kind == "postgres":
                _drop_schema(database_url, schema)
    return {
        "entries": entries,
        "seconds": took,
        "events": events,
        "largest_event_bytes": largest,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _drop_schema(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def in_child(entries: int, args: argparse.Namespace) -> dict[str, object] | None:
    command = [
        sys.executable,
        __file__,
        "--child",
        str(entries),
        "--store",
        args.store,
        "--database-url",
        args.database_url,
    ]
    try:
        done = subprocess.run(  # this script itself, in a child process
            command, capture_output=True, text=True, timeout=args.timeout, check=True
        )
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        sys.exit(f"the {entries}-entry import failed:\n{exc.stderr}")
    figures: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, args.store, args.database_url)))
        return

    print(f"catalog import on {args.store}")
    base: float | None = None
    for entries in (args.baseline, args.entries):
        f = in_child(entries, args)
        if f is None:
            print(f"{entries:>7,} entries: did not finish within {args.timeout:.0f} s")
            continue
        seconds = float(str(f["seconds"]))
        per_entry = seconds / entries
        base = base or per_entry
        print(
            f"{entries:>7,} entries: {seconds:7.2f} s, {per_entry * 1e6:6.1f} µs/entry "
            f"({per_entry / base:4.2f}x the {args.baseline:,}-entry import's), "
            f"peak RSS {float(str(f['peak_rss_mb'])):6.0f} MB, {f['events']} events stored, "
            f"largest {int(str(f['largest_event_bytes'])) / 1e6:6.3f} MB"
        )


if __name__ == "__main__":
    main()
