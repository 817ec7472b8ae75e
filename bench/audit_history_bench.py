"""Audit history on a long stream: `GET /v1/audit/{id}/state` at several versions and a moment,
and pages of `GET /v1/audit/{id}/events`, on a chart of N events beside the same requests on a
chart of 100 events, in the same run.

Usage (from the repository root): python bench/audit_history_bench.py [--events 10000]
[--store sqlite|postgres] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
Each chart is the organisation aggregate written through the store as the handlers write it
(registrations and restructurings, a save per few commands, so the store snapshots it on its
own), in a fresh SQLite file or a fresh PostgreSQL database (created and dropped). Requests go
through the whole in-process API (authentication, the route, JSON) as the bootstrap admin.
Both APIs are up at once and each request alternates between them, so both see the same load.
Prints each request's p50 and p99 on the long chart beside the short one's p50, as a ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.base import Actor
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.bootstrap import build_api, build_services
from marketplace.settings import Settings

ADMIN = "audit-history-bench-admin-token"
ACTOR = Actor(unit_id=None, token_id="tok_bench")
T0 = datetime(2027, 1, 1, tzinfo=UTC)
BATCH = 20  # commands per save, as a busy restructuring desk's requests would interleave


def fill_chart(store: EventSourcingStore, events: int) -> None:
    """A chart of a group growing to ~2% of `events` units, renamed, moved and re-sectored
    until its stream holds `events` events."""
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    org.register_unit("HQ", "Group", Level.GROUP, None, None, actor=ACTOR, timestamp=T0)
    platforms: list[str] = []
    enterprises: list[str] = []
    n = 0
    while org.version < events:
        n += 1
        when = T0 + timedelta(minutes=n)
        if n % 50 == 1 or not platforms:
            platforms.append(f"P{n}")
            org.register_unit(platforms[-1], f"P {n}", Level.PLATFORM, "HQ", f"s{n}", ACTOR, when)
        elif n % 50 == 2 or not enterprises:
            enterprises.append(f"E{n}")
            parent = platforms[-1]
            org.register_unit(
                enterprises[-1], f"E {n}", Level.ENTERPRISE, parent, None, ACTOR, when
            )
        elif n % 3 == 0:
            moved = enterprises[n % len(enterprises)]
            org.update_unit(moved, ACTOR, when, parent_id=platforms[n % len(platforms)])
        elif n % 3 == 1:
            org.update_unit(enterprises[n % len(enterprises)], ACTOR, when, name=f"E renamed {n}")
        else:
            org.update_unit(platforms[n % len(platforms)], ACTOR, when, sector=f"s{n}")
        if n % BATCH == 0:
            store.save(org)
    store.save(org)


@contextlib.contextmanager
def api_on_chart(kind: str, database_url: str, events: int) -> Iterator[TestClient]:
    """The API over a fresh store holding a chart of `events` events (dropped afterwards)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), admin_token=ADMIN)
        database = f"audit_history_bench_{uuid.uuid4().hex[:8]}"
        if kind == "postgres":
            import psycopg

            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            url = database_url.rsplit("/", 1)[0] + f"/{database}"
            settings = settings.model_copy(update={"database_url": url})
        try:
            svc = build_services(settings)
            started = time.perf_counter()
            assert isinstance(svc.store, EventSourcingStore)
            fill_chart(svc.store, events)
            took = time.perf_counter() - started
            print(f"  {kind}: a chart of {svc.store.head()} events written in {took:.1f} s")
            app = build_api(settings, svc)
            try:
                with TestClient(app) as client:  # started: one event loop for every request
                    yield client
            finally:
                svc.store.close()
        finally:
            if kind == "postgres":
                import psycopg

                with psycopg.connect(database_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def timed_pair(
    clients: tuple[TestClient, TestClient],
    requests: tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]],
    runs: int,
) -> tuple[list[float], list[float]]:
    """The same request on both charts, alternating, so both see the same load of the machine."""
    headers = {"Authorization": f"Bearer {ADMIN}"}
    took: tuple[list[float], list[float]] = ([], [])
    for run in range(runs + 1):
        for client, (path, params), times in zip(clients, requests, took, strict=True):
            started = time.perf_counter()
            answer = client.get(path, params=params, headers=headers)
            if run:  # the first is a warm-up: the chain, the caches
                times.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
    return sorted(took[0]), sorted(took[1])


def deep_cursor(client: TestClient, version: int) -> str:
    """The cursor after `version`, found by walking the pages (the cursor is opaque)."""
    headers = {"Authorization": f"Bearer {ADMIN}"}
    cursor: str | None = None
    remaining = version
    while remaining > 0:
        step = min(500, remaining)
        params: dict[str, Any] = {"limit": step} | ({"cursor": cursor} if cursor else {})
        cursor = client.get(
            f"/v1/audit/{ORGANISATION_ID}/events", params=params, headers=headers
        ).json()["next_cursor"]
        remaining -= step
    assert cursor is not None
    return cursor


Request = tuple[str, Callable[[TestClient, int], tuple[str, dict[str, Any]]]]
STATE = f"/v1/audit/{ORGANISATION_ID}/state"
EVENTS = f"/v1/audit/{ORGANISATION_ID}/events"
REQUESTS: list[Request] = [
    ("state?version=50", lambda c, n: (STATE, {"version": 50})),
    ("state?version=<middle>", lambda c, n: (STATE, {"version": n // 2})),
    ("state (latest)", lambda c, n: (STATE, {})),
    (
        "state?as_of=<middle>",
        lambda c, n: (STATE, {"as_of": (T0 + timedelta(minutes=n // 2)).isoformat()}),
    ),
    ("events (first page of 50)", lambda c, n: (EVENTS, {})),
    (
        "events (a page of 50 in the middle)",
        lambda c, n: (EVENTS, {"cursor": deep_cursor(c, n // 2)}),
    ),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--baseline-events", type=int, default=100)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    figures: dict[str, dict[int, list[float]]] = {name: {} for name, _ in REQUESTS}
    sizes = (args.baseline_events, args.events)
    with (
        api_on_chart(args.store, args.database_url, sizes[0]) as small_api,
        api_on_chart(args.store, args.database_url, sizes[1]) as big_api,
    ):
        for name, request in REQUESTS:
            pair = (request(small_api, sizes[0]), request(big_api, sizes[1]))
            small_took, big_took = timed_pair((small_api, big_api), pair, args.runs)
            figures[name] = {sizes[0]: small_took, sizes[1]: big_took}
    small, big = args.baseline_events, args.events
    print(f"store: {args.store}; p50 (p99) of {args.runs} requests, in-process API")
    for name, _ in REQUESTS:
        base = statistics.median(figures[name][small]) * 1000
        took = figures[name][big]
        p50, p99 = statistics.median(took) * 1000, took[-1] * 1000
        print(
            f"{name:38} {big:>7,} events: {p50:7.2f} ms (p99 {p99:6.2f})   "
            f"{small:,} events: {base:6.2f} ms   ratio {p50 / base:5.2f}"
        )


if __name__ == "__main__":
    main()
