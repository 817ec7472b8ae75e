"""The relay loop: read after the saved position, publish, wait for acks, then save the position."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.errors import KafkaError

from marketplace.events.contract import TOPICS
from marketplace.events.mapping import to_cloud_event, topic_of
from marketplace.log import get_logger
from marketplace.relay.position import PositionStore
from marketplace.relay.publisher import KafkaPublisher, Outgoing

log = get_logger(__name__)


@dataclass(frozen=True)
class RelayConfig:
    topic_prefix: str = ""
    partitions: int = 6
    replication_factor: int = 1
    batch_size: int = 2000
    poll_interval: float = 0.2
    max_backoff: float = 10.0


def outgoing_of(notifications: Sequence[Any], mapper: Any, prefix: str) -> list[Outgoing]:
    """The public messages of a run of stored notifications (internal events drop out)."""
    out = []
    for notification in notifications:
        event = to_cloud_event(mapper.to_domain_event(notification), notification.id)
        if event is not None:
            out.append(Outgoing(prefix + topic_of(event), event.subject.encode(), event.to_bytes()))
    return out


class Relay:
    """Publishes the notification log to Kafka at least once, in order per aggregate.

    The position advances only after the broker acknowledged the whole batch, so a crash or
    an outage can only cause redelivery (consumers deduplicate on the CloudEvents `id`).
    """

    def __init__(
        self,
        application: Any,
        positions: PositionStore,
        publisher: KafkaPublisher,
        config: RelayConfig,
    ) -> None:
        self._app = application
        self._positions = positions
        self._publisher = publisher
        self._config = config
        self.position = 0
        self.published = 0

    async def connect(self, stop: asyncio.Event) -> bool:
        """Start the producer and create topics, retrying with backoff until it works or stop."""
        backoff = 0.2
        while not stop.is_set():
            try:
                await self._publisher.start()
                await self._publisher.ensure_topics(
                    [self._config.topic_prefix + t for t in TOPICS],
                    self._config.partitions,
                    self._config.replication_factor,
                )
                return True
            except (KafkaError, OSError) as exc:
                await self._publisher.stop()
                log.warning("broker_unavailable", error=repr(exc), retry_in=backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._config.max_backoff)
        return False

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set."""
        self.position = await asyncio.to_thread(self._positions.load)
        log.info("relay_started", position=self.position)
        if not await self.connect(stop):
            return
        try:
            while not stop.is_set():
                try:
                    relayed = await self.relay_batch()
                except (KafkaError, OSError) as exc:
                    log.warning("publish_failed", error=repr(exc), position=self.position)
                    await self._publisher.stop()
                    if not await self.connect(stop):
                        return
                    continue
                if relayed == 0:
                    await _sleep_or_stop(stop, self._config.poll_interval)
        finally:
            await self._publisher.stop()
            log.info("relay_stopped", position=self.position, published=self.published)

    async def relay_batch(self) -> int:
        """Publish the next batch after the position; returns how many notifications it covered."""
        notifications = await asyncio.to_thread(
            self._app.recorder.select_notifications, self.position + 1, self._config.batch_size
        )
        if not notifications:
            return 0
        messages = outgoing_of(notifications, self._app.mapper, self._config.topic_prefix)
        if messages:
            await self._publisher.publish(messages)
        last = int(notifications[-1].id)
        await asyncio.to_thread(self._positions.save, last)
        self.position = last
        self.published += len(messages)
        return len(notifications)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
