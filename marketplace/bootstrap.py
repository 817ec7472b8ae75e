"""Composition root: builds the running system from settings."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.seal import AesGcmSealer
from marketplace.adapters.seal_key import load_seal_key
from marketplace.handlers.auth import hash_secret
from marketplace.handlers.ports import EventStore, Services
from marketplace.projections.event_log import EventLog
from marketplace.projections.lag import BrokerEnds
from marketplace.projections.location import ReadModelLocation
from marketplace.projections.registry import PROJECTIONS
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.settings import Settings


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def store_location(settings: Settings) -> StoreLocation:
    if settings.database_url:
        return StoreLocation(
            postgres_url=settings.database_url,
            postgres_schema=settings.database_schema,
            timeouts=settings.database_timeouts,
        )
    return StoreLocation(sqlite_path=settings.sqlite_path)


def build_services(settings: Settings, admin_token: str | None = None) -> Services:
    """The handlers' dependencies. `admin_token` overrides the setting (a generated one)."""
    token = admin_token or (
        settings.admin_token.get_secret_value() if settings.admin_token else None
    )
    return Services(
        store=EventSourcingStore(store_location(settings)),
        clock=utc_now,
        new_id=new_id,
        admin_token_hash=hash_secret(token) if token else None,
        zone=ZoneInfo(settings.timezone),
        sealer=AesGcmSealer(seal_key(settings)),
        token_max_lifetime=settings.token_max_lifetime,
    )


def seal_key(settings: Settings) -> bytes:
    """MARKETPLACE_SEAL_KEY, else the store's key file (outside the data directory)."""
    return load_seal_key(
        settings.seal_key.get_secret_value() if settings.seal_key else None,
        settings.seal_key_file,
        settings.data_dir,
        shared_store=not settings.embedded,
    )


def read_model_location(settings: Settings) -> ReadModelLocation:
    if settings.database_url:
        return ReadModelLocation(
            postgres_url=settings.database_url,
            postgres_schema=settings.read_models_schema,
            timeouts=settings.database_timeouts,
        )
    return ReadModelLocation(sqlite_path=settings.read_models_path)


def event_sourcing_store(store: EventStore) -> EventSourcingStore:
    """The store as the adapter that also serves the notification log and the audit chain."""
    if not isinstance(store, EventSourcingStore):
        raise TypeError(f"the log and the audit chain need an EventSourcingStore, not {store!r}")
    return store


def event_log_of(store: EventStore) -> EventLog:
    return EventLog(event_sourcing_store(store))


def open_event_log(settings: Settings) -> tuple[EventLog, Callable[[], None]]:
    """The event store's log for a process of its own (CLI, workers), and how to close it."""
    store = EventSourcingStore(store_location(settings))
    return event_log_of(store), store.close


def build_projection_runtime(settings: Settings, services: Services) -> ProjectionRuntime:
    """Read models for the API; fed in-process unless a broker feeds them."""
    bootstrap = settings.kafka_bootstrap
    return ProjectionRuntime(
        read_model_location(settings),
        event_log_of(services.store),
        PROJECTIONS,
        feed_in_process=bootstrap is None,
        poll_interval=settings.projection_poll_interval,
        batch_size=settings.projection_batch_size,
        broker=BrokerEnds(bootstrap) if bootstrap else None,
        topic_prefix=settings.kafka_topic_prefix,
    )
