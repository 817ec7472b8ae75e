"""The answers of writes sent with an `Idempotency-Key`, kept beside the events for 24 hours.

One row per (token id, key) in table `idempotency_keys` of the event store's database (the
SQLite file or the PostgreSQL schema, like the audit chain): the request's fingerprint, its
state (`in_progress` while the first request runs, then `done`), the records its saves changed
(`effect`, written in the events' own transaction: see idempotent_effects), and the answer's
status, headers and body. Bodies are sealed (AES-GCM under the seal key, bound to their row): some
answers carry a secret shown once (a new token, a webhook's `whsec_` secret) or a sealed
bid's amount, and none of them is kept readable at rest.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

import psycopg
from psycopg_pool import ConnectionPool

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.idempotent_effects import HeldKey
from marketplace.adapters.postgres import open_pool
from marketplace.handlers.ports import Services

KEEP = timedelta(hours=24)
# A row still `in_progress` this long after its request began was left by a process that
# stopped mid-request (no request takes nearly this long): the next request takes it over.
LEASE = timedelta(minutes=2)
# Expired rows are swept by the requests themselves, at most this often per process.
SWEEP_EVERY = timedelta(minutes=10)

State = Literal["in_progress", "done", "lost"]


@runtime_checkable
class BytesSealer(Protocol):
    """AES-GCM over values of any size, bound to a context (`AesGcmSealer`)."""

    def seal_bytes(self, data: bytes, context: bytes) -> bytes: ...

    def unseal_bytes(self, sealed: bytes, context: bytes) -> bytes: ...


@dataclass(frozen=True)
class Answer:
    """What the first request answered: status, the headers that matter, body."""

    status: int
    headers: Sequence[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Found:
    """A row that another request holds: its fingerprint, and its answer once `done`; `lost`:
    its request took effect (`effects`) but its process stopped before keeping the answer."""

    request_hash: str
    state: State
    answer: Answer | None
    effects: Sequence[dict[str, Any]] = ()
    claimed_at: str = ""  # of a `lost` row: settle it with `finish`


@dataclass(frozen=True)
class Claimed:
    """This request now holds the key: it runs, then `finish` or `release` with this time."""

    claimed_at: str


class IdempotencyStore:
    """Claims keys, keeps answers, sweeps expired rows; its methods block (call them in a thread).

    SQLite: one autocommit connection shared under a lock. PostgreSQL: a small pool. Every
    change is one statement conditioned on what was read, so processes sharing a database
    agree on who holds a key without a transaction spanning statements.
    """

    def __init__(
        self,
        location: StoreLocation,
        sealer: BytesSealer,
        clock: Callable[[], datetime],
        *,
        keep: timedelta = KEEP,
        lease: timedelta = LEASE,
    ) -> None:
        self._sealer = sealer
        self._clock = clock
        self.keep = keep
        self.lease = lease
        self._swept: datetime | None = None
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        if location.postgres_url:
            self._pool = open_pool(
                location.postgres_url, location.timeouts, name="idempotency", max_size=4
            )
            self.table = f'"{location.postgres_schema}".idempotency_keys'
            self._p = "%s"
        else:
            assert location.sqlite_path is not None, "idempotency keys live beside stored events"
            self._sqlite = sqlite3.connect(
                str(location.sqlite_path), timeout=10, check_same_thread=False, isolation_level=None
            )
            self.table = "idempotency_keys"
            self._p = "?"
        self._create_table()

    def _create_table(self) -> None:
        statements = [
            f"CREATE TABLE IF NOT EXISTS {self.table} (token_id TEXT NOT NULL, "
            "key TEXT NOT NULL, request_hash TEXT NOT NULL, state TEXT NOT NULL, "
            "status INTEGER, headers TEXT, body TEXT, created_at TEXT NOT NULL, effect TEXT, "
            "PRIMARY KEY (token_id, key))",
            f"CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON {self.table} (created_at)",
        ]
        if self._pool is not None:
            # One transaction (the pool's connections autocommit): processes take turns.
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.table,))
                for statement in statements:
                    conn.execute(statement)
                # Tables made before `effect` existed (session 10) gain it.
                conn.execute(f"ALTER TABLE {self.table} ADD COLUMN IF NOT EXISTS effect TEXT")
            return
        for statement in statements:
            self._execute(statement)
        with self._connection() as conn:
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({self.table})")}
            if "effect" not in columns:
                try:
                    conn.execute(f"ALTER TABLE {self.table} ADD COLUMN effect TEXT")
                except sqlite3.OperationalError as exc:  # another process added it meanwhile
                    if "duplicate column" not in str(exc):
                        raise

    def held(self, token_id: str, key: str, claim: Claimed) -> HeldKey:
        """What the event store's saves need to mark this claim's row (see idempotent_effects)."""
        return HeldKey(self.table, self._p, token_id, key, claim.claimed_at)

    @classmethod
    def beside(cls, services: Services, *, lease: timedelta = LEASE) -> IdempotencyStore:
        """The keys in the database of the services' event store, sealed with their sealer and
        timed by their clock (read at each call: tests move it)."""
        store, sealer = services.store, services.sealer
        if not isinstance(store, EventSourcingStore):
            raise TypeError(f"idempotency keys live beside an EventSourcingStore, not {store!r}")
        if not isinstance(sealer, BytesSealer):
            raise TypeError(f"idempotency keys are sealed by an AesGcmSealer, not {sealer!r}")
        return cls(store.location, sealer, lambda: services.clock(), lease=lease)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        if self._pool is not None:
            with self._pool.connection() as conn:
                yield conn
        else:
            assert self._sqlite is not None
            with self._lock:
                yield self._sqlite

    def _execute(self, query: str, params: Sequence[Any] = ()) -> int:
        with self._connection() as conn:
            return int(conn.execute(query.replace("$", self._p), params).rowcount)

    def _fetch(self, query: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        with self._connection() as conn:
            row = conn.execute(query.replace("$", self._p), params).fetchone()
            return tuple(row) if row is not None else None

    def claim(self, token_id: str, key: str, request_hash: str) -> Claimed | Found:
        """`Claimed` when this request now holds the key; else the row another request holds:
        `done` with its answer, still `in_progress`, or `lost` (its request stored its events,
        then its process stopped before keeping the answer, and the lease is over). An expired
        row counts as none; one left `in_progress` past the lease with no effect is taken over."""
        now = self._clock()
        self._sweep(now)
        for _ in range(3):  # a row may expire or be released between two statements
            if self._insert(token_id, key, request_hash, now):
                return Claimed(_moment(now))
            row = self._fetch(
                f"SELECT request_hash, state, status, headers, body, created_at, "  # noqa: S608
                f"effect FROM {self.table} WHERE token_id = $ AND key = $",
                (token_id, key),
            )
            if row is None:
                continue
            fingerprint, state, status, headers, body, created_at, effect = row
            began = datetime.fromisoformat(created_at)
            if began <= now - self.keep:
                self._execute(
                    f"DELETE FROM {self.table} WHERE token_id = $ AND key = $ "  # noqa: S608
                    "AND created_at = $",
                    (token_id, key, created_at),
                )
                continue
            if state == "done":
                answer = self._answer(token_id, key, status, headers, body)
                return Found(fingerprint, "done", answer)
            if fingerprint == request_hash and began <= now - self.lease:
                if effect is not None:
                    return Found(fingerprint, "lost", None, json.loads(effect), created_at)
                if self._execute(
                    f"UPDATE {self.table} SET created_at = $ WHERE token_id = $ "  # noqa: S608
                    "AND key = $ AND state = 'in_progress' AND created_at = $ "
                    "AND effect IS NULL",
                    (_moment(now), token_id, key, created_at),
                ):
                    return Claimed(_moment(now))
                continue
            return Found(fingerprint, "in_progress", None)
        return Found(request_hash, "in_progress", None)  # a storm of changes: ask again later

    def _insert(self, token_id: str, key: str, request_hash: str, now: datetime) -> bool:
        return bool(
            self._execute(
                f"INSERT INTO {self.table} (token_id, key, request_hash, state, "  # noqa: S608
                "created_at) VALUES ($, $, $, 'in_progress', $) "
                "ON CONFLICT (token_id, key) DO NOTHING",
                (token_id, key, request_hash, _moment(now)),
            )
        )

    def finish(self, token_id: str, key: str, answer: Answer, claimed_at: str) -> None:
        """Keep the answer of the request whose claim (or lost row) began at `claimed_at`; a
        claim taken over meanwhile keeps nothing."""
        sealed = self._sealer.seal_bytes(answer.body, _context(token_id, key))
        self._execute(
            f"UPDATE {self.table} SET state = 'done', status = $, headers = $, body = $ "  # noqa: S608
            "WHERE token_id = $ AND key = $ AND state = 'in_progress' AND created_at = $",
            (
                answer.status,
                json.dumps([list(h) for h in answer.headers]),
                sealed.hex(),
                token_id,
                key,
                claimed_at,
            ),
        )

    def release(self, token_id: str, key: str, claimed_at: str) -> None:
        """Forget a claim whose answer is not kept (a server error) and whose request stored
        nothing: a retry runs again."""
        self._execute(
            f"DELETE FROM {self.table} WHERE token_id = $ AND key = $ "  # noqa: S608
            "AND state = 'in_progress' AND created_at = $ AND effect IS NULL",
            (token_id, key, claimed_at),
        )

    def _answer(self, token_id: str, key: str, status: Any, headers: Any, body: Any) -> Answer:
        plain = self._sealer.unseal_bytes(bytes.fromhex(body), _context(token_id, key))
        pairs = [(str(name), str(value)) for name, value in json.loads(headers)]
        return Answer(int(status), pairs, plain)

    def _sweep(self, now: datetime) -> None:
        if self._swept is not None and timedelta(0) <= now - self._swept < SWEEP_EVERY:
            return
        self._swept = now
        self.sweep(now)

    def sweep(self, now: datetime | None = None) -> int:
        """Delete the rows older than `keep`; how many."""
        cutoff = (now or self._clock()) - self.keep
        return self._execute(
            f"DELETE FROM {self.table} WHERE created_at <= $",  # noqa: S608
            (_moment(cutoff),),
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._sqlite is not None:
            with self._lock:
                self._sqlite.close()


def _moment(at: datetime) -> str:
    """A fixed-width UTC time: its text sorts as the time does (the sweep compares texts)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _context(token_id: str, key: str) -> bytes:
    return json.dumps(["idempotency_keys", token_id, key]).encode()
