"""The relay loop: read after the saved position, publish, wait for acks, then save the position."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiokafka.errors import KafkaError

from marketplace.adapters.broker_outage import BROKER_OUTAGE
from marketplace.adapters.kafka_topics import TopicSettings, TopicSetupError
from marketplace.adapters.outages import is_outage
from marketplace.adapters.topic_check import WHY_NOT, Difference
from marketplace.events.public.registry import BY_DOMAIN_NAME, PUBLIC_TYPES, TOPICS
from marketplace.events.wire import envelope_bytes, envelopes_of
from marketplace.handlers.ports import NotificationLog, StoredRecord
from marketplace.log import get_logger
from marketplace.relay.position import PositionStore
from marketplace.relay.publisher import KafkaPublisher, Outgoing
from marketplace.relay.wakeup import Wakeup

log = get_logger(__name__)
_STORE_RETRY = 1.0  # seconds between attempts while the event store is unreachable


@dataclass(frozen=True)
class RelayConfig:
    topic_prefix: str = ""
    topics: TopicSettings = field(default_factory=TopicSettings)
    batch_size: int = 2000
    poll_interval: float = 0.2
    max_backoff: float = 10.0
    compression: str = "none"  # of the record batches: none, gzip, snappy, lz4, zstd


def outgoing_of(
    notifications: Sequence[StoredRecord], log: NotificationLog, prefix: str
) -> list[Outgoing]:
    """The public messages of a run of stored notifications (internal events drop out).

    Decodes each stored state with the store's own transcoder but skips rebuilding domain
    event objects: the relay only needs their attributes.
    """
    out = []
    for n in notifications:
        event_class = n.topic.rpartition(":")[2]
        if event_class not in BY_DOMAIN_NAME:
            continue
        attrs = log.attributes(n)
        # The current form first: consumers keeping one form per aggregate version keep it.
        for envelope in envelopes_of(
            event_class, str(n.originator_id), n.originator_version, attrs, n.id
        ):
            topic = prefix + PUBLIC_TYPES[envelope["type"]].topic
            out.append(Outgoing(topic, envelope["subject"].encode(), envelope_bytes(envelope)))
    return out


class Relay:
    """Publishes the notification log to Kafka at least once, in order per aggregate.

    The position advances only after the broker acknowledged the whole batch, so a crash or
    an outage can only cause redelivery (consumers deduplicate on the CloudEvents `id`).
    """

    def __init__(
        self,
        log: NotificationLog,
        positions: PositionStore,
        publisher: KafkaPublisher,
        config: RelayConfig,
        wakeup: Wakeup | None = None,
        acknowledged: Callable[[int, int], None] | None = None,
    ) -> None:
        """`acknowledged(messages, events)` is told of each batch the broker acknowledged."""
        self._log = log
        self._acknowledged = acknowledged
        # Commits wake the relay at once; the poll interval is only the fallback.
        self._wakeup = wakeup or Wakeup()
        self._positions = positions
        self._publisher = publisher
        self._config = config
        self.position = 0
        self.published = 0
        self._store_down = False
        self.topic_differences: list[Difference] = []  # found at start (and logged)

    async def connect(self, stop: asyncio.Event) -> bool:
        """Start the producer and create topics, retrying with backoff until it works or stop."""
        backoff = 0.2
        while not stop.is_set():
            try:
                await self._publisher.start()
                await self._publisher.ensure_topics(
                    [self._config.topic_prefix + t for t in TOPICS], self._config.topics
                )
                BROKER_OUTAGE.recovered()
                return True
            except TopicSetupError as exc:
                await self._publisher.stop()
                log.error("topic_setup_refused", error=str(exc))
                raise
            except (KafkaError, OSError) as exc:
                await self._publisher.stop()
                BROKER_OUTAGE.failed(repr(exc))  # logged once per outage, not at every retry
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._config.max_backoff)
        return False

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; an unreachable store or broker is waited out."""
        self._wakeup.bind(asyncio.get_running_loop())
        BROKER_OUTAGE.install()
        if not await self._load_position(stop):
            return
        log.info("relay_started", position=self.position)
        if not await self.connect(stop):
            return
        await self._report_topic_settings()
        try:
            while not stop.is_set():
                try:
                    await self._pump(stop)
                    self._store_down = False
                except (KafkaError, OSError) as exc:
                    log.warning("publish_failed", error=repr(exc), position=self.position)
                    await self._publisher.stop()
                    if not await self.connect(stop):
                        return
                except Exception as exc:
                    if not is_outage(exc):
                        raise
                    await self._store_unreachable(exc, stop)
        finally:
            await self._publisher.stop()
            log.info("relay_stopped", position=self.position, published=self.published)

    async def _report_topic_settings(self) -> None:
        """Say once, at start, where existing topics differ from the configured settings (made
        before, by hand or by another version): the relay goes on publishing either way."""
        topics = [self._config.topic_prefix + t for t in TOPICS]
        try:
            found = await self._publisher.topic_differences(topics, self._config.topics)
        except (KafkaError, OSError) as exc:
            log.warning("topic_settings_not_checked", error=repr(exc))
            return
        self.topic_differences = found
        for d in found:
            log.warning(
                "topic_setting_differs",
                topic=d.topic,
                setting=d.setting,
                expected=d.expected,
                found=d.found,
                fix="marketplace topics apply" if d.alterable else WHY_NOT[d.setting],
            )

    async def _load_position(self, stop: asyncio.Event) -> bool:
        while not stop.is_set():
            try:
                self.position = await asyncio.to_thread(self._positions.load)
                return True
            except Exception as exc:
                if not is_outage(exc):
                    raise
                await self._store_unreachable(exc, stop)
        return False

    async def _store_unreachable(self, exc: Exception, stop: asyncio.Event) -> None:
        """Logged once per outage; the next attempt follows within a couple of seconds."""
        if not self._store_down:
            log.warning("relay_store_unreachable", error=repr(exc), position=self.position)
        self._store_down = True
        await _sleep_or_stop(stop, _STORE_RETRY)

    async def _pump(self, stop: asyncio.Event) -> None:
        """Publish batch after batch; the next batch is read and encoded while one is in flight.

        A failed publish drops the prefetched batch: the position has not moved, so the
        next attempt starts again right after the last acknowledged batch.
        """
        reading = asyncio.create_task(asyncio.to_thread(self._read_after, self.position))
        try:
            while not stop.is_set():
                last, messages = await reading
                if last is None:
                    await self._wakeup.wait(stop, self._config.poll_interval)
                    reading = asyncio.create_task(
                        asyncio.to_thread(self._read_after, self.position)
                    )
                    continue
                reading = asyncio.create_task(asyncio.to_thread(self._read_after, last))
                await self._acknowledge(last, messages)
        finally:
            reading.cancel()
            with contextlib.suppress(BaseException):
                await reading

    async def relay_batch(self) -> int:
        """Publish one batch after the position; returns how many notifications it covered."""
        last, messages = await asyncio.to_thread(self._read_after, self.position)
        if last is None:
            return 0
        covered = last - self.position
        await self._acknowledge(last, messages)
        return covered

    def _read_after(self, position: int) -> tuple[int | None, list[Outgoing]]:
        notifications = self._log.read(position, self._config.batch_size)
        if not notifications:
            return None, []
        messages = outgoing_of(notifications, self._log, self._config.topic_prefix)
        return int(notifications[-1].id), messages

    async def _acknowledge(self, last: int, messages: list[Outgoing]) -> None:
        if messages:
            await self._publisher.publish(messages)
            BROKER_OUTAGE.recovered()  # the producer reconnected by itself
        await asyncio.to_thread(self._positions.save, last)
        if self._acknowledged is not None:
            self._acknowledged(len(messages), last - self.position)
        self.position = last
        self.published += len(messages)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
