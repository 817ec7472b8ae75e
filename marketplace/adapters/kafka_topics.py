"""Kafka topics the platform needs: created when missing, with its partitions and replicas."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from marketplace.log import get_logger

log = get_logger(__name__)
TOPIC_ALREADY_EXISTS = 36


class TopicSetupError(RuntimeError):
    """The broker refused to create a topic the platform needs."""


async def ensure_topics(
    bootstrap: str, client_id: str, topics: Sequence[str], partitions: int, replication: int
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
        response = await admin.create_topics(
            [
                NewTopic(t, num_partitions=partitions, replication_factor=replication)
                for t in missing
            ]
        )
        refused = refused_topics(response)
        if refused:
            raise topic_setup_error(refused, partitions, replication)
        log.info("topics_created", topics=missing, partitions=partitions, by=client_id)
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
    refused: list[tuple[str, int, str | None]], partitions: int, replication: int
) -> TopicSetupError:
    details = "; ".join(f"{t}: error {c} {m or ''}".strip() for t, c, m in refused)
    return TopicSetupError(
        f"The broker refused to create topics ({details}). Create them by hand with "
        f"{partitions} partitions and replication factor {replication}, or fix the "
        "broker's permissions / MARKETPLACE_KAFKA_REPLICATION_FACTOR."
    )
