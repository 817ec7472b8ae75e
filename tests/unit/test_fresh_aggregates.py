"""Which cached aggregates may be read without asking the store: what the log's tail says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marketplace.adapters import fresh_cache
from marketplace.adapters.fresh_cache import FreshAggregates


@dataclass(frozen=True)
class Note:
    id: int
    originator_id: str


class Log:
    """The notification log as FreshAggregates reads it (positions from 1)."""

    def __init__(self) -> None:
        self.notes: list[Note] = []

    def append(self, aggregate_id: str) -> int:
        self.notes.append(Note(len(self.notes) + 1, aggregate_id))
        return len(self.notes)

    def read(self, after: int, limit: int) -> Sequence[Note]:
        return self.notes[after : after + limit]

    def head(self) -> int:
        return len(self.notes)


def test_an_aggregate_is_fresh_once_checked_until_an_event_of_it_is_seen() -> None:
    log = Log()
    log.append("chart")
    fresh = FreshAggregates(log.read, log.head)
    mark = fresh.look()
    assert not fresh.is_fresh("chart")  # never checked: its own query first
    fresh.checked("chart", mark)
    log.append("need-1")  # another aggregate's event changes nothing for the chart
    fresh.checked("need-1", fresh.look())
    assert fresh.is_fresh("chart")
    log.append("chart")  # saved anywhere: the next look forgets it
    fresh.look()
    assert not fresh.is_fresh("chart") and fresh.is_fresh("need-1")


def test_a_check_that_a_later_look_may_have_overtaken_does_not_count() -> None:
    log = Log()
    fresh = FreshAggregates(log.read, log.head)
    mark = fresh.look()
    log.append("token")  # saved while a reader was bringing the token up to date
    fresh.look()  # another reader saw it
    fresh.checked("token", mark)  # the first reader's update may predate it
    assert not fresh.is_fresh("token")
    fresh.checked("token", fresh.look())
    assert fresh.is_fresh("token")


def test_what_this_process_saved_stays_fresh_and_a_later_event_elsewhere_does_not() -> None:
    log = Log()
    fresh = FreshAggregates(log.read, log.head)
    fresh.look()
    fresh.saved({"need-1": log.append("need-1")})
    assert fresh.is_fresh("need-1")
    fresh.look()  # meets its own event: nothing to forget
    assert fresh.is_fresh("need-1")
    log.append("need-1")  # another process's later event
    fresh.look()
    assert not fresh.is_fresh("need-1")


def test_far_behind_it_trusts_nothing_and_starts_again_from_the_head() -> None:
    log = Log()
    fresh = FreshAggregates(log.read, log.head)
    mark = fresh.look()
    fresh.checked("chart", mark)
    for i in range(fresh_cache._PAGE * fresh_cache._PAGES + 1):
        log.append(f"need-{i}")
    assert fresh.look() == log.head()
    assert not fresh.is_fresh("chart")
    fresh.checked("chart", mark)  # a mark from before the restart cannot be checked
    assert not fresh.is_fresh("chart")


def test_a_lost_race_forgets_what_was_cached_of_the_aggregates() -> None:
    log = Log()
    log.append("unit")
    fresh = FreshAggregates(log.read, log.head)
    fresh.checked("unit", fresh.look())
    fresh.checked("chart", fresh.look())
    fresh.forget(["unit"])
    assert not fresh.is_fresh("unit") and fresh.is_fresh("chart")
