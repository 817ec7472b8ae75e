"""The event store: the `eventsourcing` library on SQLite (embedded) or PostgreSQL, or in
memory (the library's POPO recorders) for fast tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    JSONTranscoder,
    Notification,
    StoredEvent,
    Transcoding,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import Environment, resolve_topic

from marketplace.adapters.fresh_cache import FreshAggregates
from marketplace.adapters.postgres import DatabaseTimeouts, libpq_options, tune_event_store_pool
from marketplace.adapters.request_reads import current_reads
from marketplace.adapters.sqlite_log_tail import SQLiteLogTail
from marketplace.aggregates.access_token import TokenRegistry
from marketplace.aggregates.base import Actor, MarketAggregate, MarketEvent
from marketplace.aggregates.catalog import CatalogVersion
from marketplace.aggregates.catalog_index import CatalogIndex
from marketplace.aggregates.contract import Contract
from marketplace.aggregates.dispute import Dispute
from marketplace.aggregates.framework import Framework
from marketplace.aggregates.joint_procurement import JointProcurement
from marketplace.aggregates.need import Need
from marketplace.aggregates.offer import Offer
from marketplace.aggregates.organisation import Level, Organisation, Unit
from marketplace.aggregates.shared_resource import SharedResource
from marketplace.aggregates.tender import Tender
from marketplace.handlers.errors import ConcurrencyConflict
from marketplace.handlers.ports import StoredRecord
from marketplace.private_files import private_dir, private_file

A = TypeVar("A", bound=MarketAggregate)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict[str, Any]:
        return {"unit_id": obj.unit_id, "token_id": obj.token_id}

    def decode(self, data: dict[str, Any]) -> Actor:
        return Actor(unit_id=data["unit_id"], token_id=data["token_id"])


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class UnitAsDict(Transcoding):
    """Units appear in organisation snapshots."""

    type = Unit
    name = "unit"

    def encode(self, obj: Unit) -> dict[str, Any]:
        return {
            "id": obj.id,
            "name": obj.name,
            "level": obj.level.value,
            "parent_id": obj.parent_id,
            "sector": obj.sector,
            "active": obj.active,
        }

    def decode(self, data: dict[str, Any]) -> Unit:
        return Unit(
            id=data["id"],
            name=data["name"],
            level=Level(data["level"]),
            parent_id=data["parent_id"],
            sector=data["sector"],
            active=data["active"],
        )


# Every aggregate whose stream can grow without bound, and the number of events between two of
# its snapshots (taken when a save reaches a multiple). A read of any version then replays at
# most that many events after the nearest snapshot: for a process starting cold, for audit's
# past states, and for the aggregate cache's misses. Aggregates not named here have a few
# events each. A catalog version's state grows with its stream (an entry per review), so a
# snapshot of it costs about what replaying its events does, to take (in the save that reaches
# the multiple), to store and to read: it is taken sparsely, about once per catalog of 10^4.
SNAPSHOT_INTERVALS: dict[type[MutableOrImmutableAggregate[Any]], int] = {
    Organisation: 100,  # every unit's registration and restructuring, for the group's life
    CatalogVersion: 10_000,  # a review per entry (and submissions in bulk): 10^4 to 10^5 events
    CatalogIndex: 100,  # a publication every half-year, for the group's life
    TokenRegistry: 100,  # every token a unit was ever issued
    Need: 100,  # offers withdrawn and made again, external sourcing asked again
    Offer: 100,  # revisions
    Tender: 100,  # bids revised until the deadline
    Contract: 100,  # price proposals back and forth, partial deliveries
    Framework: 100,  # a call-off a day or so, amendments
    Dispute: 100,  # settlement proposals back and forth
    JointProcurement: 100,  # shares replaced and withdrawn until the pool is launched
    SharedResource: 100,  # every booking of it, handed over and returned, for its life
}


class _MarketplaceApplication(Application[str]):
    snapshotting_intervals = SNAPSHOT_INTERVALS

    def __init__(self, env: dict[str, str], timeouts: DatabaseTimeouts) -> None:
        self._timeouts = timeouts
        super().__init__(env=env)

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        factory = super().construct_factory(env)
        datastore = getattr(factory, "datastore", None)
        if isinstance(datastore, PostgresDatastore):  # its pool opens with the first recorder
            tune_event_store_pool(datastore.pool, self._timeouts)
        return factory

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(ActorAsDict())
        transcoder.register(UnitAsDict())
        transcoder.register(DateAsISO())


@dataclass(frozen=True)
class StoreLocation:
    """Where events live: a SQLite file, a PostgreSQL database (and schema), or (tests only)
    this process's memory."""

    sqlite_path: Path | None = None
    postgres_url: str | None = None
    postgres_schema: str = "public"
    timeouts: DatabaseTimeouts = field(default_factory=DatabaseTimeouts)
    in_memory: bool = False

    @classmethod
    def memory(cls) -> StoreLocation:
        """Events kept in plain Python objects, gone with the store: for handler tests."""
        return cls(in_memory=True)

    @property
    def backend(self) -> str:
        if self.in_memory:
            return "memory"
        return "postgresql" if self.postgres_url else "sqlite"


def _postgres_env(url: str, schema: str, timeouts: DatabaseTimeouts) -> dict[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        msg = f"MARKETPLACE_DATABASE_URL must start with postgresql://, got {parts.scheme!r}"
        raise ValueError(msg)
    return {
        # The library's PostgreSQL recorders with retries bounded (see adapters/postgres.py).
        "PERSISTENCE_MODULE": "marketplace.adapters.postgres:BoundedPostgresFactory",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_CONNECT_TIMEOUT": str(max(1, round(timeouts.connect))),  # made exact later
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "10",
        "POSTGRES_PRE_PING": "y",  # a restart leaves dead connections in the pool
    }


def ensure_postgres_schema(
    url: str, schema: str, timeouts: DatabaseTimeouts = DatabaseTimeouts()
) -> None:
    """Create the schema the store lives in; the library creates tables, not schemas."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, **libpq_options(timeouts)) as conn, conn.transaction():
        # Processes starting together would otherwise race to the same catalog row.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"schema:{schema}",))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


SQLITE_LOCK_TIMEOUT = 10  # seconds a write waits for another writer's commit
_LOOKED = "\0looked"  # a request's mark of its look at the log, among its reads (no aggregate id)


class EventSourcingStore:
    """The EventStore and NotificationLog ports on the `eventsourcing` library's application
    and recorders (nothing outside this module touches the library's application)."""

    def __init__(self, location: StoreLocation) -> None:
        env: dict[str, str] = {
            "ORIGINATOR_ID_TYPE": "text",
            "AGGREGATE_CACHE_MAXSIZE": "10000",
            "AGGREGATE_CACHE_FASTFORWARD": "y",
        }
        if location.in_memory:
            env["PERSISTENCE_MODULE"] = "eventsourcing.popo"
        elif location.postgres_url:
            ensure_postgres_schema(
                location.postgres_url, location.postgres_schema, location.timeouts
            )
            env |= _postgres_env(location.postgres_url, location.postgres_schema, location.timeouts)
        else:
            assert location.sqlite_path is not None
            private_dir(location.sqlite_path.parent)
            private_file(location.sqlite_path)
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                # Marks an idempotent write's row with its events (see idempotent_effects).
                "APPLICATION_RECORDER_TOPIC": "marketplace.adapters.sqlite_events:"
                "MarkingSQLiteRecorder",
                "SQLITE_DBNAME": str(location.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT),
            }
        self.backend = location.backend
        self.location = location
        self._app = _MarketplaceApplication(env, location.timeouts)
        self._save_listeners: list[Callable[[], None]] = []
        self._caching = threading.Lock()  # compare-and-put of fast-forwarded aggregates
        self._tail: SQLiteLogTail | None = None
        if location.sqlite_path is not None and not location.in_memory:
            self._tail = SQLiteLogTail(
                location.sqlite_path, self.events_table_name, SQLITE_LOCK_TIMEOUT
            )
            self._fresh = FreshAggregates(self._tail.read, self._tail.head)
        else:
            self._fresh = FreshAggregates(self.read, self.head)

    def on_saved(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every successful save (from the saving thread)."""
        self._save_listeners.append(listener)

    def get(self, aggregate_id: str, kind: type[A]) -> A | None:
        shared = self.view(aggregate_id, kind)
        return None if shared is None else deepcopy(shared)  # the command's private copy

    def view(self, aggregate_id: str, kind: type[A]) -> A | None:
        """The cached aggregate itself, brought up to date, for reading only.

        Cached aggregates are never changed in place: bringing one up to date copies it first
        (`_copy_on_write`) and caches the copy, commands change their own copies (`get`), and
        a save caches the saved one. So a reader keeps a consistent state however long it reads.
        """
        reads = current_reads()
        if reads is not None and (self, aggregate_id) in reads:
            known = reads[self, aggregate_id]
            return known if isinstance(known, kind) else None
        aggregate = self._latest(aggregate_id)
        if not isinstance(aggregate, kind):
            return None
        if reads is not None:
            reads[self, aggregate_id] = aggregate
        return aggregate

    def _latest(self, aggregate_id: str) -> object | None:
        """The cached aggregate brought up to date, without the library's per-aggregate lock:
        with it, every request reading the chart queued behind whichever one was checking it
        for new events (behind the writers' commits, on SQLite). Readers check concurrently
        instead, each after it began (so none misses an event saved before), and a copy is
        cached only if nothing newer was cached meanwhile."""
        mark = self._look_at_the_log()
        repository = self._app.repository
        cache = repository.cache
        try:
            cached: Any = cache.get(aggregate_id) if cache is not None else None
        except KeyError:
            cached = None
        if cached is not None and self._fresh.is_fresh(aggregate_id):
            found_fresh: object = cached
            return found_fresh
        if cached is None:
            try:
                built: object = repository.get(
                    aggregate_id, projector_func=_copy_on_write, deepcopy_from_cache=False
                )
            except AggregateNotFoundError:
                return None
            self._fresh.checked(aggregate_id, mark)
            return built
        fresh: Any = _copy_on_write(
            cached, self._app.events.get(originator_id=aggregate_id, gt=cached.version)
        )
        if fresh is not cached and cache is not None:
            with self._caching:
                try:
                    current: Any = cache.get(aggregate_id)
                except KeyError:
                    current = None
                if current is None or current.version < fresh.version:
                    cache.put(aggregate_id, fresh)
        self._fresh.checked(aggregate_id, mark)
        found: object = fresh
        return found

    def _look_at_the_log(self) -> int:
        """Forget the cached aggregates the events saved since the last look touched (see
        FreshAggregates); once per request, whose reads are one state throughout."""
        reads = current_reads()
        if reads is None:
            return self._fresh.look()
        key = (self, _LOOKED)
        if key not in reads:
            reads[key] = self._fresh.look()
        mark = reads[key]
        assert isinstance(mark, int)
        return mark

    def save(self, *aggregates: MarketAggregate) -> None:
        reads = current_reads()
        try:
            recordings = self._app.save(*aggregates)
        except IntegrityError as exc:
            if reads is not None:
                reads.clear()  # a retry of the command must read what won the race
            # Whatever is cached of them lost the race: the retry reads the store.
            self._fresh.forget(aggregate.id for aggregate in aggregates)
            raise ConcurrencyConflict(str(exc)) from exc
        if reads is not None:
            reads.update(((self, aggregate.id), aggregate) for aggregate in aggregates)
        cache = self._app.repository.cache
        if cache is not None:
            # The saved state is the latest: the next read need not copy it up to date. Handlers
            # change nothing after saving, so it stays as saved while readers share it. Unless a
            # later save of it was cached meanwhile (this thread paused between its commit and
            # here): caching the older state as fresh would refuse every later write of it.
            with self._caching:
                for aggregate in aggregates:
                    try:
                        current: Any = cache.get(aggregate.id)
                    except KeyError:
                        current = None
                    if current is None or current.version < aggregate.version:
                        cache.put(aggregate.id, aggregate)
                self._fresh.saved(
                    {str(r.domain_event.originator_id): r.notification.id for r in recordings}
                )
        for listener in self._save_listeners:
            listener()

    def head(self) -> int:
        return int(self._app.recorder.max_notification_id() or 0)

    def read(self, after: int, limit: int, topics: Sequence[str] = ()) -> Sequence[Notification]:
        return self._app.recorder.select_notifications(after + 1, limit, topics=topics)

    def decode(self, record: StoredRecord) -> MarketEvent:
        event = self._app.mapper.to_domain_event(_stored(record))
        if not isinstance(event, MarketEvent):
            raise TypeError(f"stored event {record.id} is a {type(event).__name__}")
        return event

    def plain_state(self, record: StoredRecord) -> bytes:
        mapper = self._app.mapper
        state = record.state
        if mapper.cipher:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor:
            state = mapper.compressor.decompress(state)
        return state

    def attributes(self, record: StoredRecord) -> dict[str, Any]:
        attrs: dict[str, Any] = self._app.mapper.transcoder.decode(self.plain_state(record))
        # Upcast as the mapper does (an event stored at an older class version reads as now).
        kind = resolve_topic(record.topic)
        from_version = attrs.pop("class_version", 1)
        while from_version < getattr(kind, "class_version", 1):
            getattr(kind, f"upcast_v{from_version}_v{from_version + 1}")(attrs)
            from_version += 1
        return attrs

    def events_of(
        self,
        aggregate_id: str,
        *,
        after: int | None = None,
        upto: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[MarketEvent]:
        """The aggregate's events with versions in (`after`, `upto`], read and decoded alone."""
        found = self._app.events.get(aggregate_id, gt=after, lte=upto, desc=desc, limit=limit)
        return [e for e in found if isinstance(e, MarketEvent)]

    def state_at(self, aggregate_id: str, version: int | None) -> MarketAggregate:
        aggregate: object = self._app.repository.get(aggregate_id, version=version)
        if not isinstance(aggregate, MarketAggregate):
            raise TypeError(f"{aggregate_id!r} is a {type(aggregate).__name__}")
        return aggregate

    @property
    def events_table_name(self) -> str:
        """The table the stored events live in (the relay's commit trigger watches it)."""
        recorder = self._app.recorder
        if not isinstance(recorder, PostgresApplicationRecorder | SQLiteApplicationRecorder):
            raise TypeError(f"no events table behind {type(recorder).__name__}")
        return recorder.events_table_name

    async def probe_head(self, seconds: float) -> int:
        """`head()` for a health check: within `seconds` or TimeoutError, on a connection of
        its own (never queued behind requests waiting for the pool)."""
        return await asyncio.wait_for(self._probe_head(seconds), seconds)

    async def _probe_head(self, seconds: float) -> int:
        location = self.location
        if location.postgres_url is None:
            return await asyncio.to_thread(self.head)
        import psycopg
        from psycopg import sql

        table = sql.Identifier(location.postgres_schema, self.events_table_name)
        options = libpq_options(DatabaseTimeouts(seconds, seconds))
        async with await psycopg.AsyncConnection.connect(
            location.postgres_url, autocommit=True, **options
        ) as conn:
            cursor = await conn.execute(
                sql.SQL("SELECT max(notification_id) FROM {}").format(table)
            )
            row = await cursor.fetchone()
        return int(row[0] or 0) if row else 0

    def close(self) -> None:
        if self._tail is not None:
            self._tail.close()
        self._app.close()


def _copy_on_write(aggregate: Any, events: Iterable[Any]) -> Any:
    """Project `events` onto a copy of a cached `aggregate`, never onto the shared instance."""
    pending = list(events)
    if aggregate is None:
        return project_aggregate(None, pending)  # a first reconstruction: nothing shared yet
    if not pending:
        return aggregate
    return project_aggregate(deepcopy(aggregate), pending)


def _stored(record: StoredRecord) -> StoredEvent:
    """The library's own form of a record (the log hands out that form already)."""
    if isinstance(record, StoredEvent):
        return record
    return StoredEvent(
        originator_id=record.originator_id,
        originator_version=record.originator_version,
        topic=record.topic,
        state=record.state,
    )
