"""Composition root: every part of the running system built from settings, in one place.

Nothing below reads settings: the API, the relay and the projection workers get what they
need from here, and `runtime` only runs what was built.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
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

if TYPE_CHECKING:  # imported where built: a CLI command loads only what it runs (start-up time)
    from fastapi import FastAPI

    from marketplace.projections.workers import ProjectionWorkers
    from marketplace.relay.runner import RelayProcess


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


def build_projection_runtime(
    settings: Settings, events: EventLog, broker_timeout: float = 1.0
) -> ProjectionRuntime:
    """Read models over `events`; fed in-process unless a broker feeds them (whose end offsets
    the lags are measured against, waiting at most `broker_timeout`)."""
    bootstrap = settings.kafka_bootstrap
    return ProjectionRuntime(
        read_model_location(settings),
        events,
        PROJECTIONS,
        feed_in_process=bootstrap is None,
        poll_interval=settings.projection_poll_interval,
        batch_size=settings.projection_batch_size,
        catch_up_at_start=settings.projection_catch_up_at_start,
        broker=BrokerEnds(bootstrap, broker_timeout) if bootstrap else None,
        topic_prefix=settings.kafka_topic_prefix,
    )


def build_api(settings: Settings, services: Services) -> FastAPI:
    """The HTTP API with its read models, audit chain and replays (started by its lifespan)."""
    from marketplace.api.app import create_app
    from marketplace.audit.chain import Ledger

    store = event_sourcing_store(services.store)
    return create_app(
        settings,
        services,
        runtime=build_projection_runtime(settings, event_log_of(store)),
        ledger=Ledger(store.location),
        notifications=store,
    )


def _broker(settings: Settings) -> str:
    if not settings.kafka_bootstrap:
        raise ValueError("MARKETPLACE_KAFKA_BOOTSTRAP is not set: there is no broker.")
    return settings.kafka_bootstrap


def build_relay(settings: Settings, store: EventStore | None = None) -> RelayProcess:
    """The relay; with `store`, it shares the API's store (`serve --all-in-one`)."""
    from marketplace.relay.relay import RelayConfig
    from marketplace.relay.runner import RelayProcess

    return RelayProcess(
        location=store_location(settings),
        read_models=read_model_location(settings),
        bootstrap=_broker(settings),
        config=RelayConfig(
            topic_prefix=settings.kafka_topic_prefix,
            partitions=settings.kafka_partitions,
            replication_factor=settings.kafka_replication_factor,
            batch_size=settings.relay_batch_size,
            poll_interval=settings.relay_poll_interval,
        ),
        heartbeat_interval=settings.heartbeat_interval,
        store=event_sourcing_store(store) if store is not None else None,
    )


def build_projection_workers(
    settings: Settings, consumer_options: Mapping[str, Any] | None = None
) -> ProjectionWorkers:
    """The projection workers fed from Kafka (`marketplace project`)."""
    from marketplace.projections.workers import ProjectionWorkers

    return ProjectionWorkers(
        events=store_location(settings),
        read_models=read_model_location(settings),
        bootstrap=_broker(settings),
        topic_prefix=settings.kafka_topic_prefix,
        batch_size=settings.projection_batch_size,
        heartbeat_interval=settings.heartbeat_interval,
        consumer_options=consumer_options,
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
    )
