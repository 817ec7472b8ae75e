"""Topic set-up without a broker: the CreateTopics request's settings, the broker's refusals,
the differences `topics check` reports and the AlterConfigs request `topics apply` sends."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from marketplace.adapters.kafka_topics import (
    TOPIC_ALREADY_EXISTS,
    TopicSettings,
    refused_topics,
    topic_setup_error,
)
from marketplace.adapters.topic_check import (
    ABSENT,
    NOT_REPORTED,
    Difference,
    Observed,
    alter_request,
    differences,
)


def test_created_and_already_existing_topics_are_fine() -> None:
    response = SimpleNamespace(topic_errors=[("a", 0, None), ("b", TOPIC_ALREADY_EXISTS, "exists")])
    assert refused_topics(response) == []


def test_a_refusal_names_the_topic_the_code_and_what_to_do() -> None:
    response = SimpleNamespace(
        topic_errors=[("a", 0, None), ("b", 38, "Replication factor: 3 larger than brokers: 1")]
    )
    refused = refused_topics(response)
    assert refused == [("b", 38, "Replication factor: 3 larger than brokers: 1")]
    message = str(topic_setup_error(refused, TopicSettings(6, 3)))
    assert "b: error 38 Replication factor" in message
    assert "MARKETPLACE_KAFKA_REPLICATION_FACTOR" in message
    assert "6 partitions" in message


def create_request(settings: TopicSettings, name: str) -> tuple[Any, ...]:
    """The topic's entry in the CreateTopics request aiokafka sends for `settings`."""
    [topic] = settings.new_topics([name])
    entry: tuple[Any, ...] = AIOKafkaAdminClient._convert_new_topic_request(topic)
    return entry


def test_created_topics_keep_history_forever_and_carry_every_config() -> None:
    name, partitions, replicas, assignments, configs = create_request(TopicSettings(), "t")
    assert (name, partitions, replicas, assignments) == ("t", 6, 1, [])
    assert dict(configs) == {
        "retention.ms": "-1",
        "cleanup.policy": "delete",
        "min.insync.replicas": "1",
    }


def test_min_insync_replicas_is_two_from_three_replicas_unless_set() -> None:
    def min_isr(settings: TopicSettings) -> str:
        return str(dict(create_request(settings, "t")[4])["min.insync.replicas"])

    assert min_isr(TopicSettings(replication_factor=2)) == "1"
    assert min_isr(TopicSettings(replication_factor=3)) == "2"
    assert min_isr(TopicSettings(replication_factor=5, min_insync_replicas=3)) == "3"
    bounded = TopicSettings(partitions=12, replication_factor=3, retention_ms=86_400_000)
    assert create_request(bounded, "t")[1:3] == (12, 3)
    assert dict(create_request(bounded, "t")[4])["retention.ms"] == "86400000"


def observed(name: str = "t", partitions: int = 6, replicas: int = 1, **configs: str) -> Observed:
    overrides = {k.replace("_", "."): v for k, v in configs.items()}
    return Observed(name, partitions, replicas, overrides, overrides)


def test_every_difference_is_named_with_what_was_expected_and_found() -> None:
    settings = TopicSettings(replication_factor=3)
    right = observed(
        "a", replicas=3, retention_ms="-1", cleanup_policy="delete", min_insync_replicas="2"
    )
    wrong = observed("b", partitions=3, replicas=1, retention_ms="604800000")
    found = differences(settings, ["a", "b", "c"], {"a": right, "b": wrong})
    assert [(d.topic, d.setting, d.expected, d.found, d.alterable) for d in found] == [
        ("b", "partitions", "6", "3", False),
        ("b", "replication_factor", "3", "1", False),
        ("b", "retention.ms", "-1", "604800000", True),
        ("b", "cleanup.policy", "delete", NOT_REPORTED, True),
        ("b", "min.insync.replicas", "2", NOT_REPORTED, True),
        ("c", "exists", "yes", ABSENT, True),
    ]


def test_altering_sends_the_topics_other_overrides_again() -> None:
    """AlterConfigs replaces a topic's overrides as a whole: a hand-made one must survive."""
    settings = TopicSettings()
    topic = observed(retention_ms="604800000", max_message_bytes="2097152", cleanup_policy="delete")
    request = alter_request(settings, topic, differences(settings, ["t"], {"t": topic}))
    assert request is not None
    assert request.name == "t"
    assert request.configs == {
        "retention.ms": "-1",
        "min.insync.replicas": "1",
        "max.message.bytes": "2097152",
        "cleanup.policy": "delete",
    }
    partitions_only = [Difference("t", "partitions", "6", "3")]
    assert alter_request(settings, topic, partitions_only) is None
