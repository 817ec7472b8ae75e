"""The mark a write sent with an `Idempotency-Key` leaves in the transaction of its events.

The middleware claims a key (a row `in_progress`), runs the request, then keeps its answer. A
process that dies between storing the events and keeping the answer used to leave a row that
looked untouched: after its lease a retry ran the request again, a second effect. Now the
recorder, in the same transaction as the events, writes which records the request changed
(`effect`) on the claimed row, and only while the request still holds it: a request whose
claim was taken over stores nothing. A retry that finds an `effect` without an answer knows
the request took effect, and does not run it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import StoredEvent

from marketplace.aggregates.base import DomainError

CLAIM_LOST = "idempotency_key_in_progress"


@dataclass
class HeldKey:
    """The key the running request holds: its row (table as the store names it, token id, key,
    the claim's time) and what its saves have stored so far."""

    table: str
    placeholder: str
    token_id: str
    key: str
    claimed_at: str
    effects: list[dict[str, Any]] = field(default_factory=list)


# The object itself, not a copy, reaches the route's worker thread with the context: what its
# saves record lands where the middleware reads it.
_HELD: ContextVar[HeldKey | None] = ContextVar("idempotency_held_key", default=None)


@contextmanager
def holding(held: HeldKey) -> Iterator[HeldKey]:
    """Within: the event store's saves mark `held`'s row in their transactions."""
    token = _HELD.set(held)
    try:
        yield held
    finally:
        _HELD.reset(token)


def marking() -> bool:
    """Whether a save now must mark a held key's row (see `mark_effects`)."""
    return _HELD.get() is not None


def mark_effects(
    execute: Callable[[str, Sequence[Any]], int],
    stored_events: Sequence[StoredEvent],
    positions: Sequence[int] | None,
) -> None:
    """Write the held key's effects, with these events, on its row (`execute` runs a statement
    in the events' transaction and answers the rows it changed); nothing outside a request
    with a key. Raises (rolling the events back) when the claim was taken over meanwhile."""
    held = _HELD.get()
    if held is None or not stored_events:
        return
    at: Sequence[int | None] = positions or [None] * len(stored_events)
    new = [
        {
            "id": str(stored.originator_id),
            "version": stored.originator_version,
            "event": stored.topic.partition(":")[2],
            "position": position,
        }
        for stored, position in zip(stored_events, at, strict=True)
    ]
    # Keyed by record and version: a save retried after a failed commit lists its events once.
    by_version = {(e["id"], e["version"]): e for e in [*held.effects, *new]}
    effects = list(by_version.values())
    query = (
        f"UPDATE {held.table} SET effect = $ WHERE token_id = $ AND key = $ "  # noqa: S608
        "AND state = 'in_progress' AND created_at = $"
    ).replace("$", held.placeholder)
    params = (json.dumps(effects), held.token_id, held.key, held.claimed_at)
    if execute(query, params) != 1:
        raise DomainError(
            CLAIM_LOST,
            "This request ran longer than its key's lease and a retry with the same "
            "Idempotency-Key took it over; this one stored nothing.",
            {"header": "Idempotency-Key"},
        )
    held.effects[:] = effects
