"""What the database adapters tell the metrics: their connection pools and SQLite's lock waits.

Plain tallies (no metrics library here): each process's metrics read them at a scrape.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# A wait for SQLite's write lock longer than this counts as a busy wait (another connection,
# often another process, held it); shorter ones are taking a free lock.
BUSY_AFTER = 0.001


@dataclass
class LockWaits:
    """One SQLite database's waits for its write lock (`BEGIN IMMEDIATE`)."""

    busy: int = 0  # waits longer than BUSY_AFTER
    seconds: float = 0.0  # the time all those waits took


@dataclass(frozen=True)
class PoolStats:
    """A connection pool as it is now, and its cumulative requests (per process)."""

    size: int
    idle: int
    max_size: int
    waiting: int | None = None  # requests queued for a connection (psycopg only)
    requests: int | None = None
    wait_seconds: float | None = None
    errors: int | None = None


@dataclass(frozen=True)
class _Watched:
    name: str
    pool: Any
    stats: Callable[[Any], PoolStats]


_lock = threading.Lock()
_sqlite: dict[str, LockWaits] = {}
_pools: dict[int, _Watched] = {}  # by id(pool); a closed pool is dropped at the next look


@contextmanager
def sqlite_write_lock(database: str) -> Iterator[None]:
    """Time the statement taking `database`'s write lock (run inside this block)."""
    started = time.perf_counter()
    yield
    waited = time.perf_counter() - started
    if waited > BUSY_AFTER:
        with _lock:
            waits = _sqlite.setdefault(database, LockWaits())
            waits.busy += 1
            waits.seconds += waited


def sqlite_lock_waits() -> dict[str, LockWaits]:
    with _lock:
        return {name: LockWaits(w.busy, w.seconds) for name, w in _sqlite.items()}


def watch_pool(name: str, pool: Any, stats: Callable[[Any], PoolStats]) -> None:
    """Report `pool` under `name` until it is closed."""
    with _lock:
        _forget_closed()
        _pools[id(pool)] = _Watched(name, pool, stats)


def pool_stats() -> list[tuple[str, PoolStats]]:
    """Every watched pool still open, by name (several of one name add up)."""
    found = []
    with _lock:
        _forget_closed()
        watched = list(_pools.values())
    for one in watched:
        try:
            found.append((one.name, one.stats(one.pool)))
        except Exception:  # noqa: S112 - a pool being closed right now is simply not reported
            continue
    return found


def _forget_closed() -> None:
    for key in [key for key, one in _pools.items() if _closed(one.pool)]:
        del _pools[key]


def _closed(pool: Any) -> bool:
    """psycopg_pool's `closed`, asyncpg's `is_closing()`."""
    closing = getattr(pool, "is_closing", None)
    return bool(closing()) if callable(closing) else bool(getattr(pool, "closed", False))


def psycopg_stats(pool: Any) -> PoolStats:
    """A psycopg_pool.ConnectionPool's figures (`get_stats` is cumulative)."""
    stats = pool.get_stats()
    return PoolStats(
        size=int(stats.get("pool_size", 0)),
        idle=int(stats.get("pool_available", 0)),
        max_size=int(stats.get("pool_max", pool.max_size)),
        waiting=int(stats.get("requests_waiting", 0)),
        requests=int(stats.get("requests_num", 0)),
        wait_seconds=float(stats.get("requests_wait_ms", 0)) / 1000,
        errors=int(stats.get("requests_errors", 0)),
    )


def asyncpg_stats(pool: Any) -> PoolStats:
    """An asyncpg pool's figures (it keeps no request counts)."""
    return PoolStats(
        size=int(pool.get_size()), idle=int(pool.get_idle_size()), max_size=pool.get_max_size()
    )
