"""The disk a million events take on Kafka: the relay's messages as log-segment bytes, beside raw.

Usage: python bench/topic_disk_bench.py [--events 20000] [--units 200] [--entries 2000] [--seed 13]
(from the repository root, with the project on PYTHONPATH; no broker or database needed; ~20 s)

bench/fill.py writes a fresh SQLite store under a temporary directory: the seeded mix the other
benches use (chart, catalog imported and approved, then needs, offers, tenders, contracts,
incidents, disputes through the handlers), with its default 1M fill's proportions (catalog
entries a tenth of the events). The store's notifications become the relay's messages with
`outgoing_of`, read 2,000 at a time as `Relay._read_after` does, and the messages become
record batches with the relay's own producer settings (aiokafka's `create_batch()`: magic v2,
no compression, batches up to 512 KiB) and its `_append` (key, value, the content-type header),
one producer batch per topic-partition of a read, partitioned by murmur2 over 6 partitions, as
`KafkaPublisher.publish` groups them. Two ways the relay sends:

- catch-up: the relay behind (a backlog, a new topic, a re-publish): 2,000 notifications a read;
- live: the relay at the head, woken by every commit: a command's few events go to different
  aggregates, so different keys and partitions; one message per record batch, the upper bound.

A broker writes a v2 batch to the partition's .log segment as the producer built it (topic
`compression.type=producer`, the default: it only sets the offsets in place), so the segment
bytes are the sum of the batch sizes, and each follower replica holds the same bytes. The index
estimate replays `LogSegment.append` per partition: an entry after more than
`index.interval.bytes` (4,096) were appended since the last one, 8 bytes in the .index and at
most 12 in the .timeindex (an entry only when the timestamp grew: events arrive over time). The
index files of an active segment are preallocated sparse files (10 MiB apparent), trimmed to
their entries when the segment rolls. Each codec `MARKETPLACE_KAFKA_COMPRESSION` offers beside
none is shown but snappy (lz4's kind: fast, less tight).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.relay.publisher import Outgoing, _append
from marketplace.relay.relay import RelayConfig, outgoing_of

BENCH = Path(__file__).resolve().parent
RELAY = RelayConfig()  # the relay's read size (2,000) and partitions (6)
INDEX_INTERVAL = 4096  # index.interval.bytes, Kafka's default
OFFSET_ENTRY, TIME_ENTRY = 8, 12  # bytes per .index and .timeindex entry
MB = 1_000_000

_partitioner = DefaultPartitioner()


@dataclass(frozen=True)
class Read:
    """One relay read: how many notifications it covered and the messages they became."""

    notifications: int
    messages: list[Outgoing]


@dataclass(frozen=True)
class Sizes:
    batches: int
    segment: int
    index: int


def fill(data_dir: Path, args: argparse.Namespace) -> int:
    """A fresh store made by bench/fill.py; the number of its set-up (chart, catalog) events."""
    command = [
        sys.executable, str(BENCH / "fill.py"), "--data-dir", str(data_dir),
        "--units", str(args.units), "--entries", str(args.entries),
        "--events", str(args.events), "--workers", "1", "--seed", str(args.seed),
    ]  # fmt: skip
    # The fill's Settings read MARKETPLACE_* variables: none may send it to another store.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETPLACE_")}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        sys.exit(f"bench/fill.py failed:\n{done.stdout}\n{done.stderr}")
    found = re.search(r"set up: ([\d,]+) events", done.stdout)
    assert found, done.stdout
    return int(found.group(1).replace(",", ""))


def relay_reads(store: EventSourcingStore, set_up: int) -> tuple[list[Read], list[Read]]:
    """The relay's reads of the set-up events, then of the trading ones (a read never straddles
    the two, so each part can be sized alone)."""
    set_up_reads: list[Read] = []
    trading_reads: list[Read] = []
    position, head = 0, store.head()
    while position < head:
        limit = RELAY.batch_size
        if position < set_up:
            limit = min(limit, set_up - position)
        notifications = store.read(position, limit)
        if not notifications:
            break
        read = Read(len(notifications), outgoing_of(notifications, store, RELAY.topic_prefix))
        (set_up_reads if position < set_up else trading_reads).append(read)
        position = int(notifications[-1].id)
    return set_up_reads, trading_reads


def partition_of(message: Outgoing) -> int:
    partitions = list(range(RELAY.topics.partitions))
    return int(_partitioner(message.key, partitions, partitions))


def producer_batches(producer: AIOKafkaProducer, messages: Sequence[Outgoing]) -> Iterator[int]:
    """Sizes of the record batches `KafkaPublisher.publish` makes of one partition's messages."""
    builder = producer.create_batch()
    for message in messages:
        if _append(builder, message) is None:
            yield len(builder._build())
            builder = producer.create_batch()
            _append(builder, message)
    yield len(builder._build())


def sizes(producer: AIOKafkaProducer, reads: Sequence[Read], live: bool) -> Sizes:
    """Record batches, segment bytes and index bytes of these reads in 6-partition topics."""
    appended: dict[tuple[str, int], list[int]] = defaultdict(list)  # batch sizes, in order
    for read in reads:
        groups: dict[tuple[str, int], list[Outgoing]] = {}
        for message in read.messages:
            where = (message.topic, partition_of(message))
            if live:
                appended[where] += producer_batches(producer, [message])
            else:
                groups.setdefault(where, []).append(message)
        for where, messages in groups.items():
            appended[where] += producer_batches(producer, messages)
    entries = 0
    for batch_sizes in appended.values():
        since_entry = 0
        for size in batch_sizes:  # LogSegment.append, per batch
            if since_entry > INDEX_INTERVAL:
                entries += 1
                since_entry = 0
            since_entry += size
    return Sizes(
        batches=sum(len(s) for s in appended.values()),
        segment=sum(sum(s) for s in appended.values()),
        index=entries * (OFFSET_ENTRY + TIME_ENTRY),
    )


async def measure(set_up: list[Read], trading: list[Read], events: tuple[int, int]) -> None:
    whole = set_up + trading
    scopes = {"whole store": (whole, sum(events)), "trading only": (trading, events[1])}
    producers = {
        codec: AIOKafkaProducer(
            bootstrap_servers="unused:9092",  # never started: only its batch builder is used
            acks="all",
            linger_ms=5,
            max_batch_size=512 * 1024,
            compression_type=codec,
        )
        for codec in (None, "gzip", "lz4", "zstd")
    }
    header = (
        f"{'':27} {'batches':>8} {'segment B':>11} {'/ raw':>6} {'B/msg':>6} "
        f"{'MB/1M':>9} {'RF 3 MB/1M':>10} {'index MB/1M':>12}"
    )
    for scope, (reads, scope_events) in scopes.items():
        messages = [m for r in reads for m in r.messages]
        raw = sum(len(m.key) + len(m.value) for m in messages)
        print(
            f"\n{scope}: {scope_events:,} events -> {len(messages):,} messages; "
            f"raw key+value {raw:,} B ({raw / len(messages):,.0f} B/message, "
            f"{raw / scope_events * 1e6 / MB:,.0f} MB per 1M events)"
        )
        print(header)
        for codec, producer in producers.items():
            for live in (False, True):
                s = sizes(producer, reads, live)
                per_million = s.segment / scope_events * 1e6 / MB
                label = f"{'live' if live else 'catch-up'}, {codec or 'uncompressed'}"
                print(
                    f"  {label:25} {s.batches:>8,} {s.segment:>11,} {s.segment / raw:>6.2f} "
                    f"{s.segment / len(messages):>6,.0f} {per_million:>9,.0f} "
                    f"{3 * per_million:>10,.0f} {s.index / scope_events * 1e6 / MB:>12.2f}"
                )
    for producer in producers.values():
        await producer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--entries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        set_up = fill(Path(tmp), args)
        store = EventSourcingStore(StoreLocation(sqlite_path=Path(tmp) / "events.sqlite3"))
        head = store.head()
        print(
            f"store: {head:,} events from bench/fill.py --units {args.units} --entries "
            f"{args.entries} --events {args.events} --seed {args.seed} (set-up: chart and "
            f"catalog {set_up:,}, trading {head - set_up:,}) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        set_up_reads, trading_reads = relay_reads(store, set_up)
        store.close()
        asyncio.run(measure(set_up_reads, trading_reads, (set_up, head - set_up)))
        print(
            f"\n(MB = 10^6 B; MB/1M = MB per million events, bytes / events * 10^6; RF 3 = "
            f"the three replicas of replication factor 3. Sized in "
            f"{time.perf_counter() - started:.1f} s.)"
        )


if __name__ == "__main__":
    main()
