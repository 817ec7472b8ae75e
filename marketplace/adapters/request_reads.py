"""What one request read from the event store: each aggregate once, one state throughout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# A dict, not the aggregates themselves: a sync route runs in a thread with a copy of the
# context, and what it reads must land in the request's own dict.
# Keyed by (store, aggregate id): a process may have more than one store open.
_READS: ContextVar[dict[tuple[object, str], object] | None] = ContextVar(
    "request_reads", default=None
)


@contextmanager
def reads_of_one_request() -> Iterator[None]:
    """Within: the store reads each aggregate once (the chart, asked for by authentication and
    by the handler, is one query, not four) and hands out that same state again; what the
    request saves replaces it. Outside a request (workers, the CLI) nothing is remembered."""
    token = _READS.set({})
    try:
        yield
    finally:
        _READS.reset(token)


def current_reads() -> dict[tuple[object, str], object] | None:
    """The reads of the request in progress; None outside one."""
    return _READS.get()
