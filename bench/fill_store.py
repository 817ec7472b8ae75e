"""bench/fill.py's store: many commands' saves grouped into one transaction, reads seeing them.

Only the fill uses it. Each fill worker is the only writer of the aggregates it creates (its own
needs, offers, tenders, contracts, incidents, disputes), and nobody writes the chart or the
catalog while trading, so buffering saves in the worker loses no race: every command still
loads, decides and saves through the handlers, only the commit is shared with its neighbours.
"""

from __future__ import annotations

from collections import OrderedDict
from copy import deepcopy
from typing import Any, TypeVar

from marketplace.adapters.eventstore import EventSourcingStore
from marketplace.aggregates.base import MarketAggregate

A = TypeVar("A", bound=MarketAggregate)


class BufferedStore:
    """The EventStore port over an EventSourcingStore; `flush()` commits what was saved."""

    def __init__(self, inner: EventSourcingStore, pinned: set[str], keep: int = 40_000) -> None:
        self.backend = inner.backend
        self.inner = inner
        # Saved since the last flush: the latest state of each aggregate, its pending events
        # (all of them since the flush: a later command's copy carries the earlier ones) kept.
        self._buffer: dict[str, MarketAggregate] = {}
        # Aggregates nobody writes while trading (chart, catalog index and version, the group's
        # rules, which a signature reads and a fill never publishes): read once, a missing one too,
        # so a 100k-entry version is never evicted from the store's cache and rebuilt.
        self._pinned_ids = pinned
        self._pinned: dict[str, Any] = {}
        # What this worker committed lately, as committed: it is their only writer, so they
        # are up to date without asking the database (the store's own cache would check for
        # newer events on every read, and rebuild those it evicted).
        self._committed: OrderedDict[str, MarketAggregate] = OrderedDict()
        self._keep = keep
        self.saved_events = 0
        self._pending = 0

    def get(self, aggregate_id: str, kind: type[A]) -> A | None:
        buffered = self._buffer.get(aggregate_id)
        if buffered is None:
            buffered = self._committed.get(aggregate_id)
        if buffered is None:
            return self.inner.get(aggregate_id, kind)
        if not isinstance(buffered, kind):
            return None
        # The command's private copy, sharing the pending events (immutable) rather than
        # copying them one by one: they are most of a young aggregate.
        state = buffered.__dict__
        pending = state.pop("_pending_events")
        try:
            copied = deepcopy(buffered)
        finally:
            state["_pending_events"] = pending
        copied.__dict__["_pending_events"] = list(pending)
        return copied

    def view(self, aggregate_id: str, kind: type[A]) -> A | None:
        found: Any = self._buffer.get(aggregate_id)
        if found is None:
            found = self._committed.get(aggregate_id)
        if found is None and aggregate_id in self._pinned_ids:
            if aggregate_id not in self._pinned:  # None remembered too: rules never published
                self._pinned[aggregate_id] = self.inner.view(aggregate_id, kind)
            found = self._pinned[aggregate_id]
            return found if isinstance(found, kind) else None
        if found is None:
            return self.inner.view(aggregate_id, kind)
        return found if isinstance(found, kind) else None

    def save(self, *aggregates: MarketAggregate) -> None:
        for aggregate in aggregates:
            before = self._buffer.get(aggregate.id)
            # A later command's copy carries the earlier commands' events: count only its own.
            self._pending += len(aggregate.pending_events) - (
                len(before.pending_events) if before is not None else 0
            )
            self._buffer[aggregate.id] = aggregate

    def pending(self) -> int:
        """How many events the next flush will commit."""
        return self._pending

    def flush(self) -> int:
        """Commit every buffered aggregate's new events in one transaction; how many."""
        if not self._buffer:
            return 0
        count = self.pending()
        self.inner.save(*self._buffer.values())
        for aggregate_id, aggregate in self._buffer.items():
            self._committed[aggregate_id] = aggregate
            self._committed.move_to_end(aggregate_id)
        while len(self._committed) > self._keep:
            self._committed.popitem(last=False)
        self._buffer.clear()
        self._pending = 0
        self.saved_events += count
        return count

    def head(self) -> int:
        return self.inner.head()

    def close(self) -> None:
        self.flush()
        self.inner.close()
