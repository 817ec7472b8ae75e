"""Reading the broker's CreateTopics answer: which topics it refused, and the message we give."""

from __future__ import annotations

from types import SimpleNamespace

from marketplace.adapters.kafka_topics import (
    TOPIC_ALREADY_EXISTS,
    refused_topics,
    topic_setup_error,
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
    message = str(topic_setup_error(refused, 6, 3))
    assert "b: error 38 Replication factor" in message
    assert "MARKETPLACE_KAFKA_REPLICATION_FACTOR" in message
    assert "6 partitions" in message
