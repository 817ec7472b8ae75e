"""Apply a batch of events with its tracking in one transaction, skipping what was applied."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from marketplace.events.envelope import CloudEvent
from marketplace.projections.changes import RowChange, storable, storable_text
from marketplace.projections.projection import Projection
from marketplace.projections.store import (
    ProjectionState,
    ReadModelStore,
    ReadModelTransaction,
    StaleProjection,
)

TopicEvent = tuple[str, CloudEvent]  # the public topic (unprefixed) and the event


async def apply_log_batch(
    store: ReadModelStore, projection: Projection, events: Sequence[TopicEvent], up_to: int
) -> int:
    """In-process feed: apply `events` read from the log up to position `up_to`.

    Events at or below the tracked position were applied before and are skipped; the
    position moves to `up_to` even when none of the events concerned this projection.
    """
    async with store.transaction() as tx:
        state = await _current_state(tx, projection)
        if up_to <= state.position:
            return 0
        # Sequences grow along a page: only a page that straddles the position is filtered.
        if events and events[0][1].sequence <= state.position:
            events = [(t, e) for t, e in events if e.sequence > state.position]
        new = events
        applied = await _apply(tx, projection, new)
        await tx.save_position(projection.name, up_to)
        return applied


async def apply_partition_batch(
    store: ReadModelStore,
    projection: Projection,
    kafka_topic: str,
    partition: int,
    messages: Sequence[tuple[int, TopicEvent]],
) -> int:
    """Kafka feed: apply one partition's `(offset, event)` messages, in offset order.

    A message below the tracked offset was applied before; so was an event whose aggregate
    version is not above the last applied one (a duplicate at a new offset).
    """
    if not messages:
        return 0
    async with store.transaction() as tx:
        state = await _current_state(tx, projection)
        next_offset = await tx.next_offset(projection.name, kafka_topic, partition)
        new = [event for offset, event in messages if offset >= next_offset]
        applied = await _apply(tx, projection, new)
        last = messages[-1][0]
        if last >= next_offset:
            await tx.save_next_offset(projection.name, kafka_topic, partition, last + 1)
        highest = max((e.sequence for _, e in new), default=0)
        if highest > state.position:
            await tx.save_position(projection.name, highest)
        return applied


async def _current_state(tx: ReadModelTransaction, projection: Projection) -> ProjectionState:
    state = await tx.lock_state(projection)
    if state.version != projection.version:
        raise StaleProjection(projection.name, state.version, projection.version)
    return state


async def _apply(
    tx: ReadModelTransaction, projection: Projection, events: Sequence[TopicEvent]
) -> int:
    """Reduce the events in order, each aggregate's version at most once."""
    # `projection.reads`, inlined: it runs per event and projection on every feed's hot path.
    topics, types = projection.topics, projection.types
    mine = [
        (t, e, storable_text(e.subject))
        for t, e in events
        if t in topics and (types is None or e.type in types)
    ]
    subjects: dict[str, set[str]] = defaultdict(set)
    for topic, _, subject in mine:
        subjects[topic].add(subject)
    seen = {
        topic: await tx.subject_versions(projection.name, topic, names)
        for topic, names in subjects.items()
    }
    applied: dict[str, dict[str, int]] = defaultdict(dict)
    fresh: list[CloudEvent] = []
    count = 0
    changes: dict[str, list[RowChange]] = defaultdict(list)
    reduce = projection.apply if projection.batch is None else None
    for topic, event, subject in mine:
        version = event.aggregateversion
        versions = seen[topic]
        if version <= versions.get(subject, 0):
            continue
        # The one write path of every feed and rebuild: text every store can hold, see storable.
        if reduce is not None:
            for change in reduce(event):
                changes[change.table].append(storable(change))
        else:
            fresh.append(event)
        versions[subject] = applied[topic][subject] = version
        count += 1
    if projection.batch is not None and fresh:
        for change in await projection.batch(tx, fresh):
            changes[change.table].append(storable(change))
    # Tables are independent, and each table's changes keep their order: batching is safe.
    for table, table_changes in changes.items():
        await tx.write_many(projection.table(table), table_changes)
    for topic, versions in applied.items():
        await tx.save_subject_versions(projection.name, topic, versions)
    return count
