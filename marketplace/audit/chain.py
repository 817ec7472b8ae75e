"""The audit hash chain: every stored event linked to the one before it, kept beside the store.

Each link is `sha256(prev_hash, position, aggregate id, version, event class, stored bytes)`,
written once, in the event store's own database, by whichever process extends the chain first
(the hashes are deterministic, so concurrent extenders write the same rows). Afterwards an edit
of a stored event, a deleted event or an edited link no longer matches and `verify` names the
first broken link. The chain follows the store within about a second (the API extends it in the
background), so it protects what was written before that moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import psycopg
from psycopg_pool import ConnectionPool

from marketplace.adapters.db_stats import sqlite_write_lock
from marketplace.adapters.eventstore import StoreLocation
from marketplace.adapters.postgres import open_pool
from marketplace.handlers.ports import NotificationLog, StoredRecord
from marketplace.log import get_logger

log = get_logger(__name__)

GENESIS = "0" * 64
_PAGE = 2000

Problem = Literal["event_modified", "event_missing", "event_not_chained", "link_broken"]


@dataclass(frozen=True)
class Link:
    position: int
    aggregate_id: str
    version: int
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class BrokenLink:
    position: int
    aggregate_id: str
    version: int
    problem: Problem


@dataclass(frozen=True)
class Verification:
    ok: bool
    events_checked: int
    broken: BrokenLink | None = None


def link_hash(prev_hash: str, notification: StoredRecord) -> str:
    """The hash of one stored event of the notification log."""
    header = json.dumps(
        [
            prev_hash,
            int(notification.id),
            str(notification.originator_id),
            int(notification.originator_version),
            notification.topic,
        ]
    )
    digest = hashlib.sha256(header.encode())
    digest.update(_as_bytes(notification.state))
    return digest.hexdigest()


def _as_bytes(state: object) -> bytes:
    # The store keeps bytes; anything else was put there behind its back and must still hash.
    if isinstance(state, bytes | bytearray | memoryview):
        return bytes(state)
    return str(state).encode()


class Ledger:
    """The `audit_chain` table in the event store's database (SQLite file or PostgreSQL schema).

    On PostgreSQL it works through a small pool that checks connections before use, so the
    ledger outlives a database restart; waits are bounded like the event store's.
    """

    def __init__(self, location: StoreLocation) -> None:
        # SQLite: one connection shared by threads. PostgreSQL: a pool, and no lock, so no
        # request waits behind another's wait for the database (concurrent extenders write
        # the same links).
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        if location.postgres_url:
            self._pool = open_pool(location.postgres_url, location.timeouts, name="audit-chain")
            self._table = f'"{location.postgres_schema}".audit_chain'
            self._p = "%s"
        else:
            assert location.sqlite_path is not None
            self._sqlite = sqlite3.connect(
                str(location.sqlite_path), timeout=10, check_same_thread=False, isolation_level=None
            )
            self._table = "audit_chain"
            self._p = "?"
        # Processes starting together (`serve --workers N`) take turns: two concurrent CREATE
        # TABLE IF NOT EXISTS on PostgreSQL can both try to create it, and the loser failed.
        with self._transaction() as conn:
            if self._pool is not None:
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._table,))
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} (position BIGINT PRIMARY KEY, "
                "aggregate_id TEXT NOT NULL, version BIGINT NOT NULL, prev_hash TEXT NOT NULL, "
                "hash TEXT NOT NULL)"
            )
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS audit_chain_by_aggregate "
                f"ON {self._table} (aggregate_id, version)"
            )

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        """The SQLite connection, or a pooled PostgreSQL one (both autocommit)."""
        if self._pool is not None:
            with self._pool.connection() as conn:
                yield conn
        else:
            assert self._sqlite is not None
            with self._lock:
                yield self._sqlite

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """One transaction on a connection of its own (autocommit otherwise)."""
        with self._connection() as conn:
            if isinstance(conn, sqlite3.Connection):
                with sqlite_write_lock("events"):
                    conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            else:
                with conn.transaction():
                    yield conn

    def _rows(self, query: str, params: Sequence[Any]) -> list[Link]:
        with self._connection() as conn:
            cursor = conn.execute(query.replace("$", self._p), params)
            return [Link(int(r[0]), r[1], int(r[2]), r[3], r[4]) for r in cursor.fetchall()]

    def _select(self) -> str:
        return f"SELECT position, aggregate_id, version, prev_hash, hash FROM {self._table}"  # noqa: S608

    def last(self) -> Link | None:
        found = self._rows(f"{self._select()} ORDER BY position DESC LIMIT 1", ())
        return found[0] if found else None

    def links_of(
        self, aggregate_id: str, after: int = 0, upto: int | None = None
    ) -> dict[int, Link]:
        """The links of one aggregate's events (versions in (`after`, `upto`]), by version."""
        query = f"{self._select()} WHERE aggregate_id = $ AND version > $"
        params: list[str | int] = [aggregate_id, after]
        if upto is not None:
            query += " AND version <= $"
            params.append(upto)
        return {link.version: link for link in self._rows(query, params)}

    def links_after(self, position: int, limit: int) -> list[Link]:
        return self._rows(
            f"{self._select()} WHERE position > $ ORDER BY position LIMIT $", (position, limit)
        )

    def extend(self, log: NotificationLog) -> int:
        """Link every stored event after the chain's end; how many were linked."""
        last = self.last()
        position, prev = (last.position, last.hash) if last else (0, GENESIS)
        added = 0
        while notifications := log.read(position, _PAGE):
            rows = []
            for n in notifications:
                digest = link_hash(prev, n)
                rows.append(
                    (int(n.id), str(n.originator_id), int(n.originator_version), prev, digest)
                )
                prev, position = digest, int(n.id)
            with self._transaction() as conn:
                cursor = conn.cursor()
                cursor.executemany(
                    f"INSERT INTO {self._table} (position, aggregate_id, version, prev_hash, hash) "  # noqa: S608
                    f"VALUES ({', '.join([self._p] * 5)}) ON CONFLICT (position) DO NOTHING",
                    rows,
                )
            added += len(rows)
        return added

    def verify(self, log: NotificationLog) -> Verification:
        """Recompute the chain over the stored events; the first link that does not hold."""
        checked = 0
        prev = GENESIS
        events = _notifications(log)
        links = self._all_links()
        event, link = next(events, None), next(links, None)
        while event is not None or link is not None:
            if link is None or (event is not None and int(event.id) < link.position):
                assert event is not None
                return _broken(
                    checked,
                    int(event.id),
                    str(event.originator_id),
                    int(event.originator_version),
                    "event_not_chained",
                )
            if event is None or int(event.id) > link.position:
                return _broken(
                    checked, link.position, link.aggregate_id, link.version, "event_missing"
                )
            if link.prev_hash != prev:
                return _broken(
                    checked, link.position, link.aggregate_id, link.version, "link_broken"
                )
            if link_hash(prev, event) != link.hash:
                return _broken(
                    checked, link.position, link.aggregate_id, link.version, "event_modified"
                )
            checked += 1
            prev = link.hash
            event, link = next(events, None), next(links, None)
        return Verification(True, checked)

    def _all_links(self) -> Iterator[Link]:
        position = 0
        while page := self.links_after(position, _PAGE):
            yield from page
            position = page[-1].position

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._sqlite is not None:
            with self._lock:
                self._sqlite.close()


def _notifications(log: NotificationLog) -> Iterator[StoredRecord]:
    position = 0
    while page := log.read(position, _PAGE):
        yield from page
        position = int(page[-1].id)


def _broken(
    checked: int, position: int, aggregate_id: str, version: int, problem: Problem
) -> Verification:
    return Verification(False, checked, BrokenLink(position, aggregate_id, version, problem))


async def keep_chained(
    ledger: Ledger, notifications: NotificationLog, stop: asyncio.Event, interval: float = 1.0
) -> None:
    """Extend the chain every `interval` seconds until `stop`; failures are retried (and
    logged once until it works again: the store may be away for a while)."""
    failing = False
    while not stop.is_set():
        try:
            await asyncio.to_thread(ledger.extend, notifications)
            if failing:
                log.info("audit_chain_extended_again")
            failing = False
        except Exception as exc:
            if not failing:
                log.warning("audit_chain_extend_failed", error=repr(exc))
            failing = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
