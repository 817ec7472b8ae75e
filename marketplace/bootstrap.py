"""Composition root: every part of the running system built from settings, in one place.

Nothing below reads settings: the API, the relay and the projection workers get what they
need from here, and `runtime` only runs what was built.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from marketplace.adapters.document_blobs import DirectoryBlobs, LargeObjectBlobs
from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.seal import AesGcmSealer
from marketplace.adapters.seal_key import load_seal_key
from marketplace.aggregates.access_token import Role
from marketplace.handlers.auth import hash_secret
from marketplace.handlers.ports import DocumentBlobs, EventStore, Services
from marketplace.lead import Lead
from marketplace.metrics.access import MetricsAccess, digest, is_loopback
from marketplace.metrics.process import ProcessMetrics
from marketplace.projections.event_log import EventLog
from marketplace.projections.lag import BrokerEnds
from marketplace.projections.location import ReadModelLocation
from marketplace.projections.registry import PROJECTIONS
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.settings import Settings

if TYPE_CHECKING:  # imported where built: a CLI command loads only what it runs (start-up time)
    from fastapi import FastAPI

    from marketplace.adapters.kafka_topics import TopicSettings
    from marketplace.intake.consumer import IntakeProcess
    from marketplace.metrics.server import MetricsServer
    from marketplace.notifications.notifier import Notifier, NotifyProcess
    from marketplace.notifications.sender import Channels
    from marketplace.projections.store import ReadModelStore
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
        documents=document_blobs(settings),
        max_document_bytes=settings.max_document_bytes,
    )


def document_blobs(settings: Settings) -> DocumentBlobs:
    """Where documents' bytes live (MARKETPLACE_DOCUMENT_STORE)."""
    if settings.document_store == "postgres":
        if not settings.database_url:
            raise ValueError(
                "MARKETPLACE_DOCUMENT_STORE=postgres needs MARKETPLACE_DATABASE_URL: large "
                "objects live beside a PostgreSQL event store."
            )
        return LargeObjectBlobs(
            settings.database_url, settings.database_schema, settings.database_timeouts
        )
    return DirectoryBlobs(settings.documents_path)


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
    settings: Settings, events: EventLog, broker_timeout: float = 1.0, lead: Lead | None = None
) -> ProjectionRuntime:
    """Read models over `events`; fed in-process unless a broker feeds them (whose end offsets
    the lags are measured against, waiting at most `broker_timeout`), polled by the `lead` of a
    group of API workers."""
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
        lead=lead,
    )


def build_api(
    settings: Settings,
    services: Services,
    metrics: ProcessMetrics | None = None,
    lead: Lead | None = None,
) -> FastAPI:
    """The HTTP API with its read models, audit chain and replays (started by its lifespan);
    `metrics` are the process's when other parts run beside it (else its own); `lead` says
    whether it does the background work when it is one of a group of workers."""
    from marketplace.api.app import create_app
    from marketplace.audit.chain import Ledger

    store = event_sourcing_store(services.store)
    events = event_log_of(store)
    in_process = settings.kafka_bootstrap is None
    metrics = metrics or ProcessMetrics()
    return create_app(
        settings,
        services,
        runtime=build_projection_runtime(settings, events, lead=lead),
        ledger=Ledger(store.location),
        lead=lead,
        notifications=store,
        notifier=(
            build_notifier(settings, services, events, kafka=False, metrics=metrics)
            if in_process
            else None
        ),
        process_metrics=metrics,
        metrics_access=metrics_access(settings, settings.host, lambda: services),
    )


def metrics_access(
    settings: Settings, host: str, services: Callable[[], Services]
) -> MetricsAccess:
    """Who may read /metrics bound to `host`; hq_admin tokens are checked on `services()`
    (made on the first such request in a worker that has none)."""
    from marketplace.handlers.auth import authenticate
    from marketplace.handlers.errors import Unauthenticated
    from marketplace.handlers.organisation import load_organisation

    def holder(bearer: str) -> bool | None:
        svc = services()
        try:
            principal = authenticate(svc, load_organisation(svc), bearer)
        except Unauthenticated:
            return None
        return principal.has(Role.HQ_ADMIN)

    async def admin(bearer: str) -> bool | None:
        import asyncio

        return await asyncio.to_thread(holder, bearer)

    token = settings.metrics_token
    return MetricsAccess(
        open=is_loopback(host),
        token_digest=digest(token.get_secret_value()) if token else None,
        admin=admin,
    )


def build_metrics_server(
    settings: Settings, metrics: ProcessMetrics, services: Services | None = None
) -> MetricsServer | None:
    """A worker's own /metrics on MARKETPLACE_METRICS_PORT (None when unset). Without
    `services`, tokens are checked on a store opened at the first scrape that needs it."""
    from marketplace.metrics.server import MetricsServer

    if settings.metrics_port is None:
        return None
    host = settings.metrics_host or settings.host
    opened: list[Services] = [services] if services is not None else []

    def checking() -> Services:
        if not opened:
            opened.append(_token_checking_services(settings))
        return opened[0]

    return MetricsServer(
        metrics, metrics_access(settings, host, checking), host, settings.metrics_port
    )


def _token_checking_services(settings: Settings) -> Services:
    """Enough of the services to authenticate a token (no seal key, no documents)."""
    token = settings.admin_token
    return Services(
        store=EventSourcingStore(store_location(settings)),
        clock=utc_now,
        new_id=new_id,
        admin_token_hash=hash_secret(token.get_secret_value()) if token else None,
        zone=ZoneInfo(settings.timezone),
    )


def _broker(settings: Settings) -> str:
    if not settings.kafka_bootstrap:
        raise ValueError("MARKETPLACE_KAFKA_BOOTSTRAP is not set: there is no broker.")
    return settings.kafka_bootstrap


def topic_settings(settings: Settings) -> TopicSettings:
    """How every process creates the topics it needs (and what `topics check` expects)."""
    from marketplace.adapters.kafka_topics import TopicSettings

    return TopicSettings(
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
        retention_ms=settings.kafka_retention_ms,
        min_insync_replicas=settings.kafka_min_insync_replicas,
    )


def build_relay(
    settings: Settings, store: EventStore | None = None, metrics: ProcessMetrics | None = None
) -> RelayProcess:
    """The relay; with `store`, it shares the API's store (`serve --all-in-one`)."""
    from marketplace.metrics.pipeline import RelayMetrics
    from marketplace.relay.relay import RelayConfig
    from marketplace.relay.runner import RelayProcess

    return RelayProcess(
        location=store_location(settings),
        read_models=read_model_location(settings),
        bootstrap=_broker(settings),
        config=RelayConfig(
            topic_prefix=settings.kafka_topic_prefix,
            topics=topic_settings(settings),
            batch_size=settings.relay_batch_size,
            poll_interval=settings.relay_poll_interval,
            compression=settings.kafka_compression,
        ),
        heartbeat_interval=settings.heartbeat_interval,
        store=event_sourcing_store(store) if store is not None else None,
        metrics=RelayMetrics(metrics) if metrics is not None else None,
    )


def build_projection_workers(
    settings: Settings,
    consumer_options: Mapping[str, Any] | None = None,
    metrics: ProcessMetrics | None = None,
) -> ProjectionWorkers:
    """The projection workers fed from Kafka (`marketplace project`); with `metrics`, they
    sample the read models at each scrape (not in `serve --all-in-one`: the API does)."""
    from marketplace.projections.workers import ProjectionWorkers

    return ProjectionWorkers(
        events=store_location(settings),
        read_models=read_model_location(settings),
        bootstrap=_broker(settings),
        topic_prefix=settings.kafka_topic_prefix,
        batch_size=settings.projection_batch_size,
        heartbeat_interval=settings.heartbeat_interval,
        consumer_options=consumer_options,
        topics=topic_settings(settings),
        metrics=metrics,
    )


def notification_channels(settings: Settings, services: Services) -> Channels:
    """How the notifier reaches subscriptions (the event store), webhooks and the SMTP server."""
    import httpx

    from marketplace.handlers.errors import NotFound
    from marketplace.handlers.subscriptions import disable_subscription, endpoint_of
    from marketplace.notifications import email, webhook
    from marketplace.notifications.sender import Channels

    clients: dict[int, httpx.AsyncClient] = {}  # one per event loop (a test runs several)

    async def post(url: str, secret: str, event_id: str, body: bytes, now: int) -> Any:
        import asyncio

        # The host was checked when subscribing; a name may point elsewhere since (DNS
        # rebinding): checked again before each post, a refusal is retried like a receiver
        # that is away (the name may be put right; 24 h of refusals end it dead).
        if _literal_host(url):  # nothing to resolve: checked here, no thread hop
            refused = refused_webhook(url, services.resolve)
        else:
            refused = await asyncio.to_thread(refused_webhook, url, services.resolve)
        if refused is not None:
            return webhook.Attempt(None, refused, "retry")
        loop = id(asyncio.get_running_loop())
        client = clients.get(loop)
        if client is None:
            client = clients[loop] = httpx.AsyncClient(trust_env=False)
        return await webhook.post_event(client, url, secret, event_id, body, now)

    smtp = settings.smtp_url.get_secret_value() if settings.smtp_url else None

    async def mail(message: Any) -> None:
        assert smtp is not None
        await email.send(smtp, message)

    def digest(unit_id: str, address: str, items: Any, language: str) -> Any:
        return email.build_digest(unit_id, items, language, settings.mail_from, to=address)

    sealer = services.sealer
    assert sealer is not None, "the notifier unseals webhook secrets: build_services makes one"

    async def endpoint(subscription_id: str) -> Any:
        try:
            return await endpoint_of(services.store, sealer, subscription_id)
        except NotFound:  # never stored (a subscription event from another store): none
            return None

    async def disable(subscription_id: str, reason: str) -> None:
        await disable_subscription(services, subscription_id, reason)

    return Channels(
        endpoint_of=endpoint,
        disable=disable,
        post=post,
        mail=mail if smtp else None,
        digest=digest,
    )


def _literal_host(url: str) -> bool:
    import ipaddress
    from urllib.parse import urlsplit

    try:
        ipaddress.ip_address((urlsplit(url).hostname or "").split("%")[0])
    except ValueError:
        return False
    return True


def refused_webhook(url: str, resolve: Callable[[str], list[str]]) -> str | None:
    """Why a webhook may not be posted to `url` now (where its host resolves to at this
    moment: link-local, metadata, unspecified, or plain http beyond loopback), else None."""
    from marketplace.handlers.endpoints import checked_webhook
    from marketplace.handlers.errors import InvalidField

    try:
        checked_webhook(url, resolve)
    except InvalidField as refusal:
        reason = str(refusal.details[0]["message"]) if refusal.details else str(refusal)
        return f"refused before posting: {reason}"
    return None


def build_notifier(
    settings: Settings,
    services: Services,
    events: EventLog,
    *,
    kafka: bool,
    metrics: ProcessMetrics | None = None,
) -> Callable[[ReadModelStore], Notifier]:
    """The notifier over a read-model store opened by its runner: fed in-process (the API's
    process, embedded default) or by its own Kafka consumer group (`marketplace notify`)."""
    from marketplace.handlers import rules
    from marketplace.metrics.pipeline import NotifierMetrics
    from marketplace.notifications.notifier import KafkaFeed, Notifier

    channels = notification_channels(settings, services)
    observe = NotifierMetrics(metrics).attempted if metrics is not None else None
    feed = KafkaFeed(_broker(settings), settings.kafka_topic_prefix) if kafka else None

    def make(store: ReadModelStore) -> Notifier:
        return Notifier(
            store,
            events,
            channels,
            services.clock,
            kafka=feed,
            poll_interval=settings.notify_poll_interval,
            batch_size=settings.projection_batch_size,
            concurrency=settings.notify_concurrency,
            zone=services.zone,
            reminder_lead=timedelta(hours=settings.reminder_lead_hours),
            observe=observe,
            rules_lead=lambda at: rules.reminder_lead(services, at),
        )

    return make


def build_notify_process(
    settings: Settings, services: Services, metrics: ProcessMetrics | None = None
) -> NotifyProcess:
    """`marketplace notify` (and a part of `serve --all-in-one`): its own store connection,
    fed by Kafka when a broker is configured, else from the event store itself."""
    from marketplace.notifications.notifier import NotifyProcess

    store = event_sourcing_store(services.store)
    kafka = settings.kafka_bootstrap is not None
    return NotifyProcess(
        read_models=read_model_location(settings),
        make=build_notifier(settings, services, event_log_of(store), kafka=kafka, metrics=metrics),
        metrics=metrics,
    )


def build_intake(
    settings: Settings,
    services: Services,
    app: FastAPI,
    *,
    own_lifespan: bool,
    app_ready: Callable[[], bool] | None = None,
    metrics: ProcessMetrics | None = None,
) -> IntakeProcess:
    """`marketplace intake` (`own_lifespan`: it runs `app` itself) and a part of `serve
    --all-in-one` (the served app, once `app_ready`): commands from Kafka through `app`."""
    from marketplace.intake.consumer import IntakeConfig, IntakeProcess, IntakeTopics
    from marketplace.metrics.pipeline import IntakeMetrics

    return IntakeProcess(
        app,
        IntakeConfig(
            bootstrap=_broker(settings),
            topics=IntakeTopics.with_prefix(settings.kafka_topic_prefix),
            topic_settings=topic_settings(settings),
            concurrency=settings.intake_concurrency,
        ),
        clock=services.clock,
        new_id=services.new_id,
        own_lifespan=own_lifespan,
        app_ready=app_ready,
        metrics=IntakeMetrics(metrics) if metrics is not None else None,
    )
