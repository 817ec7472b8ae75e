"""Kafka topics the platform needs: created when missing, with the settings of configuration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from marketplace.log import get_logger

log = get_logger(__name__)
TOPIC_ALREADY_EXISTS = 36
KEEP_FOREVER = -1


class TopicSetupError(RuntimeError):
    """The broker refused to create a topic the platform needs."""


@dataclass(frozen=True)
class TopicSettings:
    """How the platform's topics are made (MARKETPLACE_KAFKA_* settings).

    History is kept forever by default: a BI system that subscribes next year reads every event
    since the start from Kafka. `cleanup.policy` is always `delete` (by age, here never): the
    messages are keyed by aggregate id, so compaction would keep only each aggregate's last
    event and lose the history the topics exist to keep.
    """

    partitions: int = 6
    replication_factor: int = 1
    retention_ms: int = KEEP_FOREVER
    min_insync_replicas: int | None = None  # None: 2 when replicated 3 times or more, else 1

    @property
    def min_isr(self) -> int:
        """`acks=all` waits for this many replicas: with 3 and a minimum of 2, one broker may be
        away without losing writes or an acknowledged event."""
        if self.min_insync_replicas is not None:
            return self.min_insync_replicas
        return 2 if self.replication_factor >= 3 else 1

    def configs(self) -> dict[str, str]:
        """The topic-level configs sent at creation (and checked, and altered by `apply`)."""
        return {
            "retention.ms": str(self.retention_ms),
            "cleanup.policy": "delete",
            "min.insync.replicas": str(self.min_isr),
        }

    def new_topics(self, names: Sequence[str]) -> list[NewTopic]:
        """The CreateTopics request's topics: partitions, replicas and configs."""
        return [
            NewTopic(
                name,
                num_partitions=self.partitions,
                replication_factor=self.replication_factor,
                topic_configs=self.configs(),
            )
            for name in names
        ]


async def ensure_topics(
    bootstrap: str, client_id: str, topics: Sequence[str], settings: TopicSettings
) -> None:
    """Create the topics that are missing; fail clearly when the broker refuses one.

    Whoever starts first (the relay, or a projection worker waiting for the relay) creates
    them: a consumer of a topic that does not exist yet would see it only at its next metadata
    refresh, up to half a minute later. Two creating at once is fine (the second is told
    the topic exists)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if not missing:
            return
        response = await admin.create_topics(settings.new_topics(missing))
        refused = refused_topics(response)
        if refused:
            raise topic_setup_error(refused, settings)
        log.info(
            "topics_created",
            topics=missing,
            partitions=settings.partitions,
            configs=settings.configs(),
            by=client_id,
        )
    finally:
        await admin.close()


def refused_topics(response: object) -> list[tuple[str, int, str | None]]:
    """(topic, error code, message) of each topic a CreateTopics response did not create."""
    errors = getattr(response, "topic_errors", [])
    return [
        (e[0], e[1], e[2] if len(e) > 2 else None)
        for e in errors
        if e[1] not in (0, TOPIC_ALREADY_EXISTS)
    ]


def topic_setup_error(
    refused: list[tuple[str, int, str | None]], settings: TopicSettings
) -> TopicSetupError:
    details = "; ".join(f"{t}: error {c} {m or ''}".strip() for t, c, m in refused)
    configs = ", ".join(f"{k}={v}" for k, v in settings.configs().items())
    return TopicSetupError(
        f"The broker refused to create topics ({details}). Create them by hand with "
        f"{settings.partitions} partitions, replication factor {settings.replication_factor} "
        f"and {configs}, or fix the broker's permissions / MARKETPLACE_KAFKA_REPLICATION_FACTOR "
        "/ MARKETPLACE_KAFKA_MIN_INSYNC_REPLICAS (at most the replication factor)."
    )
