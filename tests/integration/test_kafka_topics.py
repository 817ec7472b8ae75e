"""Topics for the long run, against the broker: created with the configured settings, checked
by `marketplace topics check`, history read whole by a subscriber that arrives late, and a
range re-published with the ids and payloads of its first publication."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from typer.testing import CliRunner

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.kafka_topics import TopicSettings, ensure_topics
from marketplace.adapters.topic_check import NOT_REPORTED, check, observe
from marketplace.aggregates.base import Actor
from marketplace.cli.main import app
from marketplace.demo import organisation_yaml
from marketplace.handlers.unit_import import import_units
from marketplace.handlers.units import organisation_for_update
from marketplace.relay.position import open_positions
from marketplace.relay.publisher import KafkaPublisher
from marketplace.relay.relay import outgoing_of
from marketplace.relay.republish import RepublishJob, republish
from tests.conftest import BROKER, require_broker
from tests.integration.conftest import services_on
from tests.integration.test_relay import caught_up, running_relay
from tests.kafka_support import Message, consume

CLI = Actor(unit_id=None, token_id="cli")
UNITS = "marketplace.units"
UPDATES = 10_000


@pytest.fixture
def prefix() -> str:
    require_broker()
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventSourcingStore]:
    """The demo chart, then 10,000 renamings of one unit (saved at once: fast to make)."""
    opened = EventSourcingStore(StoreLocation(sqlite_path=tmp_path / "events.sqlite3"))
    svc = services_on(opened)
    import_units(svc, CLI, organisation_yaml())
    org = organisation_for_update(svc, CLI)
    for i in range(UPDATES):
        org.update_unit("COAL-01", CLI, svc.clock(), name=f"Coal {i}")
    opened.save(org)
    yield opened
    opened.close()


def expected(store: EventSourcingStore, prefix: str, after: int = 0) -> list[tuple[bytes, bytes]]:
    """(key, value) of every message the store's events make after `after`, in order."""
    made = []
    while records := store.read(after, 5_000):
        made += [(m.key, m.value) for m in outgoing_of(records, store, prefix)]
        after = int(records[-1].id)
    return made


async def read_all(group: str, topic: str, count: int) -> list[tuple[bytes, bytes]]:
    """A new consumer group's first read of `topic`, from the beginning, by partition order
    merged back into store order by `sequence`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=BROKER, group_id=group, auto_offset_reset="earliest"
    )
    await consumer.start()
    got: list[tuple[bytes, bytes]] = []
    try:
        for _ in range(120):
            if len(got) >= count:
                break
            batch = await consumer.getmany(timeout_ms=500, max_records=5_000)
            got += [(m.key or b"", m.value or b"") for ms in batch.values() for m in ms]
        await consumer.commit()
    finally:
        await consumer.stop()
    return sorted(got, key=lambda kv: int(json.loads(kv[1])["sequence"]))


async def test_a_group_subscribing_after_10000_events_reads_every_one_with_the_stores_ids(
    store: EventSourcingStore, prefix: str
) -> None:
    async with running_relay(store, BROKER, prefix) as relay:
        await caught_up(relay, store, timeout=120)
    made = expected(store, prefix)
    assert len(made) >= UPDATES
    late = await read_all(f"{prefix}bi-next-year", prefix + UNITS, len(made))
    assert late == made  # same keys, same bytes: ids, sequences and payloads
    ids = [json.loads(value)["id"] for _, value in late]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("codec", ["lz4", "zstd"])  # gzip is built in; snappy shares lz4's library
async def test_compressed_batches_reach_a_consumer_as_the_store_made_them(
    codec: str, tmp_path: Path, prefix: str
) -> None:
    opened = EventSourcingStore(StoreLocation(sqlite_path=tmp_path / "events.sqlite3"))
    try:
        import_units(services_on(opened), CLI, organisation_yaml())
        async with running_relay(opened, BROKER, prefix, compression=codec) as relay:
            await caught_up(relay, opened)
            producer = relay._publisher._producer
            assert producer is not None and producer._compression_type == codec
        made = expected(opened, prefix)
    finally:
        opened.close()
    assert made
    assert await read_all(f"{prefix}bi", prefix + UNITS, len(made)) == made


async def test_topics_are_created_with_the_configured_settings(prefix: str) -> None:
    settings = TopicSettings(partitions=2, retention_ms=-1)
    topics = [prefix + "a", prefix + "b"]
    await ensure_topics(BROKER, "test", topics, settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER)
    await admin.start()
    try:
        seen = await observe(admin, topics)
    finally:
        await admin.close()
    for name in topics:
        assert seen[name].partitions == 2
        assert seen[name].replication_factor == 1
        assert {k: seen[name].configs[k] for k in settings.configs()} == settings.configs()
    assert await check(BROKER, topics, settings) == []


async def test_topics_check_names_a_topic_made_with_other_partitions(
    prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = TopicSettings(partitions=3)
    names = [prefix + t for t in ("marketplace.units", "marketplace.needs")]
    await ensure_topics(BROKER, "test", names[1:], settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER)
    await admin.start()
    try:  # made by hand, or by an older version: 5 partitions and the broker's defaults
        await admin.create_topics([NewTopic(names[0], 5, 1)])
    finally:
        await admin.close()
    found = await check(BROKER, names, settings)
    assert [(d.topic, d.setting, d.expected, d.found) for d in found][:1] == [
        (names[0], "partitions", "3", "5")
    ]
    assert {d.topic for d in found} == {names[0]}
    for name, value in {
        "MARKETPLACE_KAFKA_BOOTSTRAP": BROKER,
        "MARKETPLACE_KAFKA_TOPIC_PREFIX": prefix,
        "MARKETPLACE_KAFKA_PARTITIONS": "3",
        "MARKETPLACE_DATA_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    result = await asyncio.to_thread(CliRunner().invoke, app, ["topics", "check"])
    assert result.exit_code == 1, result.output
    assert f"{prefix}marketplace.units" in result.output
    assert "partitions" in result.output and "cannot be altered in place" in result.output
    assert f"{prefix}marketplace.contracts" in result.output  # never made: "(no such topic)"
    result = await asyncio.to_thread(CliRunner().invoke, app, ["topics", "apply"])
    # Missing topics are made; the partitions stay (and Tansu has no AlterConfigs at all).
    assert result.exit_code == 1, result.output
    assert not any(d.setting == "exists" for d in await check(BROKER, names, settings))


def after_first(messages: list[Message], first: list[Message]) -> list[tuple[bytes, bytes]]:
    """What arrived beyond the first publication, per partition, in store order."""
    seen = {(t, p) for t, p, _, _ in first}
    counts: dict[tuple[str, int], int] = {}
    for t, p, _, _ in first:
        counts[(t, p)] = counts.get((t, p), 0) + 1
    rest, skipped = [], dict.fromkeys(seen, 0)
    for t, p, k, v in messages:
        if skipped.get((t, p), 0) < counts.get((t, p), 0):
            skipped[(t, p)] += 1
            continue
        rest.append((k or b"", v or b""))
    return sorted(rest, key=lambda kv: int(json.loads(kv[1])["sequence"]))


async def test_republish_sends_a_range_again_as_first_published_and_resumes(
    store: EventSourcingStore, prefix: str
) -> None:
    async with running_relay(store, BROKER, prefix, batch_size=2_000) as relay:
        await caught_up(relay, store, timeout=120)
    positions = open_positions(store.location)
    published_to = positions.load()
    made = expected(store, prefix)
    first = await consume(BROKER, [prefix + UNITS], until_count=len(made), timeout=60)
    job = RepublishJob(101, 3_100, UNITS, prefix, batch_size=1_000)
    checkpoint = open_positions(store.location, job.checkpoint)
    publisher = KafkaPublisher(BROKER)
    await publisher.start()
    try:
        stop = asyncio.Event()
        interrupted = await republish(
            store, publisher, checkpoint, job, TopicSettings(), stop, lambda _: stop.set()
        )
        assert (interrupted.reached, interrupted.sent) == (1_100, 1_000)
        resumed = await republish(store, publisher, checkpoint, job, TopicSettings())
        assert (resumed.reached, resumed.sent) == (3_100, 2_000)
    finally:
        await publisher.stop()
        checkpoint.close()
    assert positions.load() == published_to  # the relay's own position never moved
    positions.close()
    again = await consume(BROKER, [prefix + UNITS], until_count=len(made) + 3_000, timeout=60)
    in_range = sorted(
        ((k, v) for _, _, k, v in first if 101 <= int(json.loads(v)["sequence"]) <= 3_100),
        key=lambda kv: int(json.loads(kv[1])["sequence"]),
    )  # the range's messages as first published, in store order
    assert len(in_range) == 3_000
    assert after_first(again, first) == in_range


def test_the_republish_command_resumes_a_range_and_refuses_an_unknown_topic(
    store: EventSourcingStore, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.location.sqlite_path is not None
    for name, value in {
        "MARKETPLACE_KAFKA_BOOTSTRAP": BROKER,
        "MARKETPLACE_KAFKA_TOPIC_PREFIX": prefix,
        "MARKETPLACE_DATA_DIR": str(store.location.sqlite_path.parent),
    }.items():
        monkeypatch.setenv(name, value)
    command = ["relay", "republish", "--from-position", "2", "--to-position", "60"]
    result = CliRunner().invoke(app, [*command, "--topic", UNITS])
    assert result.exit_code == 0, result.output
    assert "Re-published positions 2-60: 59 messages." in result.output
    result = CliRunner().invoke(app, [*command, "--topic", UNITS])
    assert result.exit_code == 0 and "re-published already" in result.output
    result = CliRunner().invoke(app, [*command, "--topic", UNITS, "--restart", "--rate", "1000"])
    assert "Re-published positions 2-60: 59 messages." in result.output
    sent = asyncio.run(consume(BROKER, [prefix + UNITS], until_count=118, timeout=30))
    assert sorted(json.loads(v)["sequence"] for _, _, _, v in sent) == sorted(
        list(range(2, 61)) * 2
    )
    result = CliRunner().invoke(app, [*command, "--topic", "marketplace.nothing"])
    assert result.exit_code == 2 and "no topic 'marketplace.nothing'" in result.output


async def test_the_relay_says_once_at_start_what_differs_and_publishes_anyway(
    store: EventSourcingStore, prefix: str
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=BROKER)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(prefix + UNITS, 5, 1)])
    finally:
        await admin.close()
    async with running_relay(store, BROKER, prefix) as relay:
        await caught_up(relay, store, timeout=120)  # published all the same
    said = relay.topic_differences  # each also logged as `topic_setting_differs`
    assert [(d.topic, d.setting, d.expected, d.found) for d in said] == [
        (prefix + UNITS, "partitions", "3", "5"),
        (prefix + UNITS, "retention.ms", "-1", NOT_REPORTED),
        (prefix + UNITS, "cleanup.policy", "delete", NOT_REPORTED),
        (prefix + UNITS, "min.insync.replicas", "1", NOT_REPORTED),
    ]  # the other topics it made itself, as configured
    assert [d.alterable for d in said] == [False, True, True, True]
