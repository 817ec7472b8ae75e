"""Build and run the relay from settings (the `marketplace relay` command)."""

from __future__ import annotations

import asyncio
import signal
import sys

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.bootstrap import store_location
from marketplace.relay.position import open_positions
from marketplace.relay.publisher import KafkaPublisher, TopicSetupError
from marketplace.relay.relay import Relay, RelayConfig
from marketplace.settings import Settings


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
    try:
        relay = Relay(
            store.application,
            positions,
            KafkaPublisher(settings.kafka_bootstrap),
            relay_config(settings),
        )
        await relay.run(stop)
    finally:
        positions.close()
        if own_store:
            store.close()


def main(settings: Settings) -> None:
    """Run the relay in the foreground until SIGINT/SIGTERM."""

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_relay(settings, stop)

    try:
        asyncio.run(_main())
    except TopicSetupError as exc:
        sys.stderr.write(f"error: {exc}\n")
        raise SystemExit(1) from exc
