"""Kafka side of the relay: acknowledged batch publishing (aiokafka), topics made first."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder

from marketplace.adapters.kafka_topics import TopicSettings, ensure_topics
from marketplace.adapters.topic_check import Difference, check
from marketplace.events.envelope import STRUCTURED_CONTENT_TYPE

_partitioner = DefaultPartitioner()
# Every message is a structured-mode CloudEvent (the CloudEvents Kafka protocol binding).
HEADERS = [("content-type", STRUCTURED_CONTENT_TYPE.encode())]


@dataclass(frozen=True)
class Outgoing:
    topic: str
    key: bytes
    value: bytes


class KafkaPublisher:
    """Publishes batches with acks=all; a batch counts only when every message is acknowledged."""

    def __init__(
        self, bootstrap: str, client_id: str = "marketplace-relay", compression: str = "none"
    ) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._compression = None if compression == "none" else compression
        self._producer: AIOKafkaProducer | None = None
        self._partitions: dict[tuple[str, bytes, int], int] = {}

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            acks="all",
            compression_type=self._compression,
            linger_ms=5,
            max_batch_size=512 * 1024,
            request_timeout_ms=10_000,
            retry_backoff_ms=200,
        )
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def publish(self, batch: Sequence[Outgoing]) -> None:
        """Send all, then wait for every acknowledgement; raises if any message failed.

        Messages are grouped per (topic, partition) into producer batches, in batch order, so
        each key's events keep their order; partitions come from the same murmur2 partitioner
        Kafka's own clients use, computed once per key.
        """
        assert self._producer is not None, "start() first"
        producer = self._producer
        groups: dict[tuple[str, int], list[Outgoing]] = {}
        for message in batch:
            partition = await self._partition_of(message.topic, message.key)
            groups.setdefault((message.topic, partition), []).append(message)
        pending = []
        for (topic, partition), messages in groups.items():
            builder = producer.create_batch()
            for message in messages:
                if _append(builder, message) is None:
                    pending.append(await producer.send_batch(builder, topic, partition=partition))
                    builder = producer.create_batch()
                    _append(builder, message)
            pending.append(await producer.send_batch(builder, topic, partition=partition))
        results = await asyncio.gather(*pending, return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    async def _partition_of(self, topic: str, key: bytes) -> int:
        assert self._producer is not None
        partitions = sorted(await self._producer.partitions_for(topic))
        cache_key = (topic, key, len(partitions))
        partition = self._partitions.get(cache_key)
        if partition is None:
            partition = _partitioner(key, partitions, partitions)
            self._partitions[cache_key] = partition
        return partition

    async def ensure_topics(self, topics: Sequence[str], settings: TopicSettings) -> None:
        """Create the topics that are missing; fail clearly when the broker refuses one."""
        await ensure_topics(self._bootstrap, self._client_id, topics, settings)

    async def topic_differences(
        self, topics: Sequence[str], settings: TopicSettings
    ) -> list[Difference]:
        """How the existing topics differ from `settings` (made earlier, or by hand)."""
        return await check(self._bootstrap, topics, settings)


def _append(builder: BatchBuilder, message: Outgoing) -> object | None:
    """Add the message to the batch; None when the batch is full."""
    added: object | None = builder.append(
        key=message.key, value=message.value, timestamp=None, headers=HEADERS
    )
    return added
