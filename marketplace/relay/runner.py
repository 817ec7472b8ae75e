"""Build and run the relay from settings (the `marketplace relay` command)."""

from __future__ import annotations

import asyncio
import signal
import sys

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.bootstrap import read_model_location, store_location
from marketplace.log import get_logger
from marketplace.projections.heartbeats import RELAY, keep_beating
from marketplace.projections.location import open_store
from marketplace.relay.position import open_positions
from marketplace.relay.publisher import KafkaPublisher, TopicSetupError
from marketplace.relay.relay import Relay, RelayConfig
from marketplace.relay.wakeup import Wakeup, install_commit_trigger, listen_for_commits
from marketplace.settings import Settings
from marketplace.supervise import keep_running

log = get_logger(__name__)


def relay_config(settings: Settings) -> RelayConfig:
    return RelayConfig(
        topic_prefix=settings.kafka_topic_prefix,
        partitions=settings.kafka_partitions,
        replication_factor=settings.kafka_replication_factor,
        batch_size=settings.relay_batch_size,
        poll_interval=settings.relay_poll_interval,
    )


async def run_relay(
    settings: Settings, stop: asyncio.Event, store: EventSourcingStore | None = None
) -> None:
    """Relay until `stop` is set. Uses `store` when given (inside `serve --all-in-one`)."""
    if not settings.kafka_bootstrap:
        raise ValueError("MARKETPLACE_KAFKA_BOOTSTRAP is not set: there is no broker to relay to.")
    location = store_location(settings)
    own_store = store is None
    store = store or EventSourcingStore(location)
    positions = open_positions(location)
    wakeup = Wakeup()
    if not own_store:
        store.on_saved(wakeup.notify_threadsafe)  # this process's own commands
    listener = await _commit_listener(store, wakeup, stop)
    relay = Relay(
        store,
        positions,
        KafkaPublisher(settings.kafka_bootstrap),
        relay_config(settings),
        wakeup,
    )
    heart = asyncio.create_task(_heartbeat(settings, relay, store))
    try:
        await relay.run(stop)
    finally:
        for task in (listener, heart):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        positions.close()
        if own_store:
            store.close()


async def _heartbeat(settings: Settings, relay: Relay, store: EventSourcingStore) -> None:
    """The relay's heartbeat in the read-model store, with its position and lag (/health)."""

    async def progress() -> tuple[int | None, int | None]:
        head = await asyncio.to_thread(store.head)
        return relay.position, max(head - relay.position, 0)

    await keep_beating(
        lambda: open_store(read_model_location(settings)),
        RELAY,
        settings.heartbeat_interval,
        progress,
    )


async def _commit_listener(
    store: EventSourcingStore, wakeup: Wakeup, stop: asyncio.Event
) -> asyncio.Task[None] | None:
    """On PostgreSQL, commits from any process wake the relay (LISTEN/NOTIFY); else None."""
    location = store.location
    if location.postgres_url is None:
        return None
    table = store.events_table_name
    try:
        channel = await asyncio.to_thread(
            install_commit_trigger,
            location.postgres_url,
            location.postgres_schema,
            table,
            location.timeouts,
        )
    except Exception as exc:  # polling still relays everything
        log.warning("commit_trigger_unavailable", error=repr(exc), fallback="polling")
        return None
    return asyncio.create_task(
        listen_for_commits(location.postgres_url, channel, wakeup, stop, timeouts=location.timeouts)
    )


def main(settings: Settings) -> None:
    """Run the relay in the foreground until SIGINT/SIGTERM."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await keep_running("relay", lambda: run_relay(settings, stop), stop)

    try:
        asyncio.run(_main())
    except TopicSetupError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(1) from exc
