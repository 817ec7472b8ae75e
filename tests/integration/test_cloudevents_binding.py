"""A spec-following consumer (the official CloudEvents SDK) reads what the relay publishes."""

from __future__ import annotations

import json
import time

from aiokafka import AIOKafkaConsumer
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka, from_structured
from cloudevents.core.formats.json import JSONFormat

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.handlers.ports import Services
from tests.conftest import BROKER, require_broker
from tests.integration import test_relay
from tests.integration.test_relay import caught_up, public_count, running_relay

seeded, prefix = test_relay.seeded, test_relay.prefix  # the relay tests' fixtures


async def records_of(topic: str, count: int, timeout: float = 30) -> list[KafkaMessage]:
    """The topic's first `count` messages with their headers, as the SDK's KafkaMessage."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=BROKER, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[KafkaMessage] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += [
                    KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value or b"")
                    for r in records
                ]
    finally:
        await consumer.stop()
    return found


async def test_every_message_is_a_structured_mode_cloudevent_by_the_kafka_binding(
    seeded: tuple[EventSourcingStore, Services], prefix: str
) -> None:
    require_broker()
    store, _ = seeded
    async with running_relay(store, BROKER, prefix) as relay:
        await caught_up(relay, store)
    messages = await records_of(prefix + "marketplace.units", public_count(store))
    assert len(messages) == public_count(store)
    for message in messages:
        assert message.headers == {"content-type": b"application/cloudevents+json"}
        sent = json.loads(message.value)
        # Auto-detection: no `ce_` headers, so structured mode, read from the value alone.
        event = from_kafka(message, JSONFormat())
        assert event.get_attributes() == from_structured(message, JSONFormat()).get_attributes()
        assert event.get_specversion() == "1.0"
        assert event.get_id() == sent["id"]
        assert event.get_source() == "marketplace"
        assert event.get_type() == sent["type"]
        assert event.get_subject() == sent["subject"]
        assert event.get_datacontenttype() == "application/json"
        assert event.get_dataschema() == sent["dataschema"]
        assert (
            event.get_time() is not None and event.get_time().isoformat()[:19] == sent["time"][:19]
        )
        assert event.get_extension("sequence") == sent["sequence"]
        assert event.get_extension("aggregateversion") == sent["aggregateversion"]
        # The binding maps the message key to `partitionkey`: the aggregate id.
        assert event.get_extension("partitionkey") == sent["subject"]
        assert event.get_data() == sent["data"]
