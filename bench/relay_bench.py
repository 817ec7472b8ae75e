"""Relay throughput from a store of N events to Kafka, beside raw aiokafka sending the same bytes.

Usage: python bench/relay_bench.py [--events 100000] [--store sqlite|postgres] [--bootstrap H:P]
Needs the broker (infra/services.sh start) and, for --store postgres, PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer

from marketplace.adapters.eventstore import (
    EventSourcingStore,
    StoreLocation,
    ensure_postgres_schema,
)
from marketplace.adapters.kafka_topics import TopicSettings
from marketplace.aggregates.base import Actor
from marketplace.aggregates.organisation import ORGANISATION_ID, Level, Organisation
from marketplace.relay.position import open_positions
from marketplace.relay.publisher import KafkaPublisher
from marketplace.relay.relay import Relay, RelayConfig, outgoing_of

ACTOR = Actor(unit_id="HQ", token_id="bench")
T0 = datetime(2027, 1, 1, tzinfo=UTC)


def fill(store: EventSourcingStore, events: int) -> None:
    org = Organisation(id=ORGANISATION_ID, actor=ACTOR, timestamp=T0)
    org.register_unit("HQ", "Group", Level.GROUP, None, None, actor=ACTOR, timestamp=T0)
    for i in range(events - 2):
        org.update_unit("HQ", ACTOR, T0 + timedelta(seconds=i), name=f"Group {i}")
        if len(org.pending_events) >= 5000:
            store.save(org)
    store.save(org)


@contextmanager
def filled_store(kind: str, database_url: str, events: int) -> Iterator[EventSourcingStore]:
    """A fresh store (a temporary SQLite file or PostgreSQL schema) holding `events` events;
    dropped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        if kind == "postgres":
            ensure_postgres_schema(database_url, schema)
            location = StoreLocation(postgres_url=database_url, postgres_schema=schema)
        else:
            location = StoreLocation(sqlite_path=Path(tmp) / "events.sqlite3")
        store = EventSourcingStore(location)
        started = time.perf_counter()
        fill(store, events)
        took = time.perf_counter() - started
        print(f"store: {kind}, {store.head()} events written in {took:.1f} s")
        try:
            yield store
        finally:
            store.close()
            if kind == "postgres":
                import psycopg

                with psycopg.connect(database_url, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def relay_rate(store: EventSourcingStore, bootstrap: str, prefix: str, batch: int) -> float:
    positions = open_positions(store.location, name=f"bench-{prefix}")
    relay = Relay(
        store,
        positions,
        KafkaPublisher(bootstrap),
        RelayConfig(topic_prefix=prefix, topics=TopicSettings(partitions=6), batch_size=batch),
    )
    stop = asyncio.Event()
    head = store.head()
    await relay.connect(stop)  # topic creation is set-up, not throughput
    await relay._publisher.stop()
    started = time.perf_counter()
    task = asyncio.create_task(relay.run(stop))
    while relay.position < head:
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    positions.close()
    return head / elapsed


async def raw_rate(store: EventSourcingStore, bootstrap: str, prefix: str) -> float:
    """aiokafka alone producing the very messages the relay produced (already serialised)."""
    messages = []
    position = 0
    while True:
        batch = store.read(position, 5000)
        if not batch:
            break
        messages += outgoing_of(batch, store, prefix + "raw.")
        position = batch[-1].id
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=512 * 1024
    )
    await producer.start()
    started = time.perf_counter()
    futures = [await producer.send(m.topic, m.value, key=m.key) for m in messages]
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - started
    await producer.stop()
    return len(messages) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    with filled_store(args.store, args.database_url, args.events) as store:
        relay = asyncio.run(relay_rate(store, args.bootstrap, prefix, args.batch))
        raw = asyncio.run(raw_rate(store, args.bootstrap, prefix))
        print(f"relay: {relay:,.0f} events/s (store read + mapping + publish + position)")
        print(f"raw aiokafka, same bytes: {raw:,.0f} events/s")
        print(f"ratio relay/raw: {relay / raw:.2f}")


if __name__ == "__main__":
    main()
