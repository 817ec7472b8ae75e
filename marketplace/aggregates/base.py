"""Base classes every aggregate shares: string ids, the acting principal, domain errors."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
    MetaDomainEvent,
)


class Immutable:
    """A frozen value whose fields are immutable too: a copy of an aggregate shares it.

    Copying an aggregate for a command (the store's private copy) then costs one reference per
    value instead of a walk through each, which is what keeps a 100k-entry catalog cheap.
    """

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self


@dataclass(frozen=True)
class Actor(Immutable):
    """Who acted: the unit the principal acted for and the token it used.

    Every stored event carries one, so audit can always say who did what.
    `unit_id` is None only for the bootstrap token before the group unit exists.
    """

    unit_id: str | None
    token_id: str


class DomainError(Exception):
    """A domain rule refused a command; `code` names the rule (the API's 409 code)."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class RecordNotFound(DomainError):
    """The command names something its aggregate does not hold (the API's 404)."""


class MarketEvent(CanMutateAggregate[str], metaclass=MetaDomainEvent):
    """A stored domain event; `timestamp` is the command's time, never the clock's."""

    originator_id: str
    originator_version: int
    timestamp: datetime


class MarketSnapshot(CanSnapshotAggregate[str], metaclass=MetaDomainEvent):
    """A snapshot of an aggregate with a string id."""

    originator_id: str
    originator_version: int
    timestamp: datetime
    topic: str
    state: dict[str, Any]


class MarketAggregate(BaseAggregate[str]):
    """An aggregate whose id is a readable string chosen by the caller (`"organisation"`)."""

    class Event(MarketEvent):
        pass

    class Created(Event, CanInitAggregate[str]):
        originator_topic: str

    Snapshot = MarketSnapshot

    # Attributes holding a dict of Immutable values (a catalog's entries, the chart's units):
    # (attributes named `_cached_…` hold what is derived from the state and are not copied)
    # a copy gets its own dict sharing the values, in one C-level pass however large it is.
    VALUE_MAPS: ClassVar[tuple[str, ...]] = ()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        for name, value in vars(self).items():
            if name.startswith("_cached_"):
                continue  # derived from the state, and rebuilt on demand from the copy's own
            shared = name in self.VALUE_MAPS
            copied.__dict__[name] = dict(value) if shared else deepcopy(value, memo)
        return copied


def with_article(noun: str) -> str:
    """`noun` after "a" or "an", for messages ("an enterprise", "a platform")."""
    return f"{'an' if noun[:1].lower() in ('a', 'e', 'i', 'o', 'u') else 'a'} {noun}"
