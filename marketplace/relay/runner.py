"""The relay process: the event store published to Kafka, with its heartbeat."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.log import get_logger
from marketplace.metrics.pipeline import RelayMetrics
from marketplace.projections.heartbeats import RELAY, keep_beating
from marketplace.projections.location import ReadModelLocation, open_store
from marketplace.relay.position import open_positions
from marketplace.relay.publisher import KafkaPublisher
from marketplace.relay.relay import Relay, RelayConfig
from marketplace.relay.wakeup import Wakeup, install_commit_trigger, listen_for_commits

log = get_logger(__name__)


@dataclass(frozen=True)
class RelayProcess:
    """What the relay opens and where it publishes; built from settings by `bootstrap`.

    Resources are opened in `run`, so a store or broker away at start is retried by the
    supervisor like any later outage. `store` is the API's own store inside `--all-in-one`.
    """

    location: StoreLocation
    read_models: ReadModelLocation
    bootstrap: str
    config: RelayConfig
    heartbeat_interval: float
    store: EventSourcingStore | None = None
    metrics: RelayMetrics | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set."""
        store = self.store or EventSourcingStore(self.location)
        positions = open_positions(self.location)
        wakeup = Wakeup()
        if self.store is not None:
            store.on_saved(wakeup.notify_threadsafe)  # this process's own commands
        listener = await _commit_listener(store, wakeup, stop)
        relay = Relay(
            store,
            positions,
            KafkaPublisher(self.bootstrap, compression=self.config.compression),
            self.config,
            wakeup,
            acknowledged=self.metrics.acknowledged if self.metrics else None,
        )
        if self.metrics is not None:
            self.metrics.following(relay, store)
        heart = asyncio.create_task(self._heartbeat(relay, store))
        try:
            await relay.run(stop)
        finally:
            for task in (listener, heart):
                if task is not None:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            positions.close()
            if self.store is None:
                store.close()

    async def _heartbeat(self, relay: Relay, store: EventSourcingStore) -> None:
        """The relay's heartbeat in the read-model store, with its position and lag (/health)."""

        async def progress() -> tuple[int | None, int | None]:
            head = await asyncio.to_thread(store.head)
            return relay.position, max(head - relay.position, 0)

        await keep_beating(
            lambda: open_store(self.read_models), RELAY, self.heartbeat_interval, progress
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
