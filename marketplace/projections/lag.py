"""How far a projection is behind, counting only the events it consumes (0 when caught up)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from marketplace.adapters.broker_outage import BROKER_OUTAGE, stop_client
from marketplace.events.public.registry import stored_kind
from marketplace.handlers.ports import NotificationLog
from marketplace.projections.projection import Projection
from marketplace.projections.store import OFFSETS, RowReader

Ends = Mapping[tuple[str, int], int]  # (Kafka topic, partition) -> end offset
_LOG_LAG_LIMIT = 10_000  # notifications read to count a backlog; past them, all count


def topic_of_notification(stored_topic: str) -> str | None:
    """The public topic of a stored event's class; None for internal events."""
    kind = stored_kind(stored_topic)
    return kind.topic if kind else None


def log_lag(log: NotificationLog, projection: Projection, position: int, head: int) -> int:
    """In-process: the projection's events after `position` (blocking; a backlog past
    _LOG_LAG_LIMIT counts its unread rest whole)."""
    return log_lags(log, [(projection, position)], head)[0]


def log_lags(
    log: NotificationLog, behind: Sequence[tuple[Projection, int]], head: int
) -> list[int]:
    """`log_lag` of each (projection, position), reading the log once from the lowest position
    (the status of every projection asks at once)."""
    start = min((position for _, position in behind), default=head)
    if start >= head:
        return [0] * len(behind)
    notifications = log.read(start, _LOG_LAG_LIMIT)
    last = int(notifications[-1].id) if notifications else head
    topics = [topic_of_notification(n.topic) for n in notifications]
    return [
        0
        if head <= position
        else sum(
            topic in projection.topics
            for n, topic in zip(notifications, topics, strict=True)
            if int(n.id) > position
        )
        + max(head - last, 0)
        for projection, position in behind
    ]


async def kafka_lag(reader: RowReader, projection: Projection, prefix: str, ends: Ends) -> int:
    """Kafka: per partition of its topics, the end offset minus the next offset it tracks."""
    rows = await reader.fetch(
        "SELECT topic, partition_id, next_offset FROM projection_offsets WHERE name = $1",
        [projection.name],
        OFFSETS.types,
    )
    tracked = {(r["topic"], r["partition_id"]): r["next_offset"] for r in rows}
    topics = {prefix + t for t in projection.topics}
    return sum(
        max(end - tracked.get((topic, partition), 0), 0)
        for (topic, partition), end in ends.items()
        if topic in topics
    )


class BrokerEnds:
    """The end offsets of topics, asked of the broker by a consumer of the API's own (no
    group); None when the broker does not answer in `timeout` (tried again after RETRY_AFTER)."""

    RETRY_AFTER = 5.0
    FRESH_FOR = 1.0  # seconds an answer is reused: status and /health ask together

    def __init__(self, bootstrap: str, timeout: float = 1.0) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self._consumer: AIOKafkaConsumer | None = None
        self._failed_at = float("-inf")
        self._cache: tuple[float, frozenset[str], dict[tuple[str, int], int]] | None = None
        self._lock = asyncio.Lock()

    async def ends(self, topics: Iterable[str]) -> Ends | None:
        wanted = frozenset(topics)
        async with self._lock:
            now = time.monotonic()
            if self._cache and self._cache[1] == wanted and now - self._cache[0] < self.FRESH_FOR:
                return self._cache[2]
            if now - self._failed_at < self.RETRY_AFTER:
                return None
            try:
                found = await asyncio.wait_for(self._ask(wanted), self.timeout)
            except (KafkaError, OSError, TimeoutError):
                self._failed_at = time.monotonic()
                await self.close()
                return None
            self._cache = (now, wanted, found)
            BROKER_OUTAGE.recovered()
            return found

    async def _ask(self, topics: frozenset[str]) -> dict[tuple[str, int], int]:
        if self._consumer is None:
            BROKER_OUTAGE.install()
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap,
                group_id=None,
                client_id="marketplace-api",
                metadata_max_age_ms=10_000,  # see topics the relay creates later
                request_timeout_ms=int(self.timeout * 1000) + 1000,
            )
            self._consumer = consumer
            await consumer.start()
        partitions = [
            TopicPartition(topic, partition)
            for topic in sorted(topics)
            for partition in sorted(self._consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return {}
        found = await self._consumer.end_offsets(partitions)
        return {(tp.topic, tp.partition): offset for tp, offset in found.items()}

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await stop_client(consumer)
