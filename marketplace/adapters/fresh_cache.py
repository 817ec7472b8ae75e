"""Which cached aggregates are known to be up to date: the store's notification log says."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# How far behind a look at the log may be before it stops reading it and trusts nothing cached
# instead (each aggregate then checks its own events once, as without this).
_PAGE, _PAGES = 1_000, 5
_TOUCHED_KEPT = 10_000  # aggregates whose last event is remembered (then forgotten at once)


class FreshAggregates:
    """The ids of cached aggregates that no event has changed since they were brought up to date.

    Instead of asking the store for each aggregate's new events at every read (four queries for
    one `POST /v1/needs`: the token, the chart, the catalog's index and version), a reader first
    reads the notification log's tail once — the events anybody saved since the last look,
    usually a few — and forgets every aggregate they touched. An aggregate still known fresh
    is read from the cache without a query. The log's ids are given in commit order (one writer
    on SQLite; an exclusive lock around each insert on PostgreSQL), so a look that starts after
    an event was saved, in any process, sees it.
    """

    def __init__(self, read: Callable[[int, int], Sequence[Any]], head: Callable[[], int]) -> None:
        self._read, self._head = read, head
        self._lock = threading.Lock()
        self._tail: int | None = None  # the log read up to here; None: never looked
        self._fresh: set[str] = set()
        # The position of each aggregate's last event seen in the log, for `checked`; marks
        # below the floor cannot be checked any more (what they need was forgotten).
        self._touched: dict[str, int] = {}
        self._floor = 0
        # Events this process saved (aggregate id → their last position): the saved aggregate
        # is cached as saved, so the look that meets them need not forget it.
        self._own: dict[str, int] = {}

    def look(self) -> int:
        """Read the log's new events and forget the aggregates they touched; a mark for
        `checked`."""
        with self._lock:
            if self._tail is None:
                self._restart()
            else:
                self._read_tail()
            assert self._tail is not None
            return self._tail

    def _read_tail(self) -> None:
        assert self._tail is not None
        for _ in range(_PAGES):
            notifications = self._read(self._tail, _PAGE)
            for notification in notifications:
                touched = str(notification.originator_id)
                if self._own.get(touched, 0) >= notification.id:
                    continue  # saved here: the cache holds it as saved
                self._own.pop(touched, None)
                self._fresh.discard(touched)
                self._touched[touched] = notification.id
            if notifications:
                self._tail = notifications[-1].id
            if len(self._touched) > _TOUCHED_KEPT or len(self._own) > _TOUCHED_KEPT:
                self._touched.clear()
                self._own.clear()
                self._floor = self._tail
            if len(notifications) < _PAGE:
                return
        self._restart()  # far behind: trust nothing cached, go on from the head

    def _restart(self) -> None:
        self._fresh.clear()
        self._touched.clear()
        self._own.clear()
        self._tail = self._floor = self._head()

    def is_fresh(self, aggregate_id: str) -> bool:
        return aggregate_id in self._fresh

    def checked(self, aggregate_id: str, mark: int) -> None:
        """`aggregate_id` was brought up to date after the look that returned `mark`: fresh,
        unless a later look saw an event of it (which that update may have missed)."""
        with self._lock:
            if mark >= self._floor and self._touched.get(aggregate_id, 0) <= mark:
                self._fresh.add(aggregate_id)

    def forget(self, aggregate_ids: Iterable[str]) -> None:
        """Trust nothing cached of these aggregates (a save of them lost a race)."""
        with self._lock:
            self._fresh.difference_update(aggregate_ids)

    def saved(self, positions: dict[str, int]) -> None:
        """This process saved events of these aggregates, up to these positions, and cached
        each as saved: fresh (a later event, from anywhere, comes after them in the log)."""
        with self._lock:
            for aggregate_id, position in positions.items():
                self._own[aggregate_id] = max(position, self._own.get(aggregate_id, 0))
                if self._touched.get(aggregate_id, 0) <= position:
                    self._fresh.add(aggregate_id)
