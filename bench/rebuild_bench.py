"""Full rebuild and in-process catch-up time of every projection, embedded mode (SQLite).

Usage: python bench/rebuild_bench.py [--needs 3000]
       [MARKETPLACE_DATABASE_URL=… MARKETPLACE_DATABASE_SCHEMA=…] python bench/rebuild_bench.py
           --data-dir DIR [--jobs 2] [--hold N]
Writes the demo chart and catalog, then needs (each posted, matched to catalog suppliers, every
other one cancelled) through the handlers into a fresh data dir, then times `marketplace
projections rebuild` (every projection, in its own process) and the API's in-process feed
catching every projection up from nothing (`ProjectionRuntime.start`).

With `--data-dir` (a store made by `bench/fill.py`): times `marketplace projections rebuild
--jobs N` of that store, beside the raw baseline of the same run: one read of the whole store
with every event decoded by the library (`EventSourcingStore.read` and `decode`, one process),
which is what each projection re-did before one pass was shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import Actor
from marketplace.aggregates.need import NeedSpec
from marketplace.bootstrap import (
    build_services,
    event_log_of,
    event_sourcing_store,
    read_model_location,
)
from marketplace.demo import organisation_yaml, seed_catalog
from marketplace.handlers import needs
from marketplace.handlers.auth import Principal
from marketplace.handlers.unit_import import import_units
from marketplace.projections.registry import PROJECTIONS
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.settings import Settings

ADMIN = Principal("bench", "HQ", frozenset({Role.HQ_ADMIN}))
OPERATOR = Principal("bench-coal", "COAL-01", frozenset({Role.UNIT_OPERATOR}))
STEAM = NeedSpec(
    "COAL-01",
    "Steam",
    "product",
    "heat",
    "STEAM-LP",
    Decimal("1200"),
    "t",
    date.today() + timedelta(days=60),
    Decimal("230000.00"),
    "regular",
    "direct",
)


def seed(settings: Settings, count: int) -> int:
    """The demo chart and catalog, then `count` needs; how many events the store holds."""
    svc = build_services(settings, admin_token="bench-admin-token")
    import_units(svc, Actor(None, "bench"), organisation_yaml())
    seed_catalog(svc, ADMIN)
    for i in range(count):
        need = needs.post_need(svc, OPERATOR, replace(STEAM, title=f"Steam {i}"))
        if i % 2:
            needs.cancel_need(svc, OPERATOR, need.id, "bench")
    return event_sourcing_store(svc.store).head()


async def in_process(settings: Settings) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads) of the in-process feed's first catch-up."""
    svc = build_services(settings)
    runtime = ProjectionRuntime(
        read_model_location(settings), event_log_of(svc.store), PROJECTIONS, feed_in_process=True
    )
    started, cpu = time.perf_counter(), time.process_time()
    await runtime.start()  # far behind, it answers at once and catches up in the background
    await runtime.caught_up()
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    await runtime.stop()
    return elapsed


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def raw_pass(settings: Settings) -> tuple[int, float]:
    """Events read and decoded by the library in one pass over the store, and the seconds."""
    store = event_sourcing_store(build_services(settings).store)
    started, after, count = time.perf_counter(), 0, 0
    while records := store.read(after, 2000):
        for record in records:
            store.decode(record)
        count, after = count + len(records), records[-1].id
    return count, time.perf_counter() - started


def on_a_fill(data_dir: Path, jobs: int, hold: int | None) -> None:
    # The store's own settings stay (a PostgreSQL fill: MARKETPLACE_DATABASE_URL and _SCHEMA).
    env = {**os.environ, "MARKETPLACE_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "marketplace", "projections", "rebuild", "--jobs", str(jobs)]
    command += [] if hold is None else ["--hold", str(hold)]
    started, cpu = time.perf_counter(), child_cpu()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall, used = time.perf_counter() - started, child_cpu() - cpu
    count, raw = raw_pass(Settings(data_dir=data_dir))
    print(f"store: {count:,} events")
    print(
        f"projections rebuild --jobs {jobs}: {wall:.1f} s ({count / wall:,.0f} events/s), "
        f"CPU {used:.1f} s"
    )
    print(
        f"raw: one read and library decode of every event: {raw:.1f} s "
        f"({count / raw:,.0f} events/s)"
    )
    print(f"ratio rebuild / raw pass: {wall / raw:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--needs", type=int, default=3000)
    parser.add_argument("--data-dir", type=Path, help="rebuild this fill instead")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--hold", type=int, default=None)
    args = parser.parse_args()
    if args.data_dir is not None:
        on_a_fill(args.data_dir, args.jobs, args.hold)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(data_dir=data_dir)
        started = time.perf_counter()
        events = seed(settings, args.needs)
        print(f"seeded {events:,} events in {time.perf_counter() - started:.1f} s")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")}
        env["MARKETPLACE_DATA_DIR"] = str(data_dir)
        command = [sys.executable, "-m", "marketplace", "projections", "rebuild"]
        # The machine may be shared: CPU seconds say more than wall-clock ones there.
        for attempt in ("first", "second"):
            started, cpu = time.perf_counter(), child_cpu()
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
            print(
                f"marketplace projections rebuild ({attempt}, all projections): "
                f"{time.perf_counter() - started:.2f} s, CPU {child_cpu() - cpu:.2f} s"
            )
        settings.read_models_path.unlink()
        wall, cpu_used = asyncio.run(in_process(settings))
        print(
            f"in-process catch-up from nothing (all projections): {wall:.2f} s, "
            f"CPU {cpu_used:.2f} s"
        )


if __name__ == "__main__":
    main()
