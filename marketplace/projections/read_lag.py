"""How far behind the event store the read models a request read were (for its response)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class ReadLag:
    """The most events any read model read by one request had not applied yet (0: none)."""

    events: int = 0


# A holder, not the number: a sync route runs in a thread with a copy of the context, and its
# reads must still reach the request's holder.
_CURRENT: ContextVar[ReadLag | None] = ContextVar("read_lag", default=None)


def note_read_lag(events: int) -> None:
    """A read model that was `events` behind the store was read for the current request."""
    holder = _CURRENT.get()
    if holder is not None and events > holder.events:
        holder.events = events


@contextmanager
def observing_read_lag() -> Iterator[ReadLag]:
    """Collect the lag of every read model read within (one request)."""
    holder = ReadLag()
    token = _CURRENT.set(holder)
    try:
        yield holder
    finally:
        _CURRENT.reset(token)
