"""Base classes every aggregate shares: string ids, the acting principal, domain errors."""

from __future__ import annotations

import importlib
from copy import deepcopy
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
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
    """A snapshot of an aggregate with a string id: its state in plain JSON values that come
    back as the very types they were (enums, sets, tuples, frozen values), less what is derived.

    The store's JSON transcoder alone would turn an enum into its string and a tuple into a
    list, and refuse a set; an aggregate restored from such a snapshot would then behave
    differently from one replayed from its events (`status is OfferStatus.OPEN`).
    """

    originator_id: str
    originator_version: int
    timestamp: datetime
    topic: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Any) -> Self:
        topics: dict[type, int] = {}
        state = {
            name: _encode(value, topics)
            for name, value in vars(aggregate).items()
            if name not in _NOT_SNAPSHOTTED and not name.startswith("_cached_")
        }
        state[_TOPICS] = [_topic_of(kind) for kind in topics]  # in index order
        class_version = getattr(type(aggregate), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return cls(  # type: ignore[call-arg]  # fields the metaclass makes a dataclass of
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            # The state's own time, not the clock's: the domain never reads the clock.
            timestamp=aggregate.modified_on,
            topic=_topic_of(type(aggregate)),
            state=state,
        )

    def mutate(self, _: None) -> BaseAggregate[str]:
        kind = _resolve(self.topic)
        state = dict(self.state)
        # Snapshots taken before this encoding (the chart's) have no topics and plain values.
        topics = [_resolve(topic) for topic in state.pop(_TOPICS, [])]
        restored = {name: _decode(value, topics) for name, value in state.items()}
        from_version = restored.pop("class_version", 1)
        while from_version < getattr(kind, "class_version", 1):
            getattr(kind, f"upcast_v{from_version}_v{from_version + 1}")(restored)
            from_version += 1
        restored |= {
            "_id": self.originator_id,
            "_version": self.originator_version,
            "_pending_events": [],
        }
        aggregate: BaseAggregate[str] = object.__new__(kind)
        object.__setattr__(aggregate, "__dict__", restored)
        return aggregate


# What a snapshot leaves out: the identity it carries itself, and events not yet saved.
_NOT_SNAPSHOTTED = frozenset({"_id", "_version", "_pending_events"})
_TAG, _TOPICS = "_snap_", "_snapshot_topics_"
# Left to the store's transcoder (JSON, or its registered transcodings).
_PLAIN = (str, int, float, bool, type(None), Decimal, datetime, date)


def _topic_of(kind: type) -> str:
    return f"{kind.__module__}:{kind.__qualname__}"


def _resolve(topic: str) -> Any:
    module, _, qualname = topic.partition(":")
    found: Any = importlib.import_module(module)
    for name in qualname.split("."):
        found = getattr(found, name)
    return found


def _encode(value: Any, topics: dict[type, int]) -> Any:
    """`value` as JSON values, tagging what JSON would not give back as it was."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, Enum):
        return {_TAG: "enum", "t": topics.setdefault(kind, len(topics)), "v": value.value}
    if is_dataclass(value) and not isinstance(value, type):
        data = {f.name: _encode(getattr(value, f.name), topics) for f in fields(value) if f.init}
        return {_TAG: "object", "t": topics.setdefault(kind, len(topics)), "v": data}
    if kind is list:
        return [_encode(v, topics) for v in value]
    if kind is dict:
        if all(type(k) is str for k in value) and _TAG not in value and "_type_" not in value:
            return {k: _encode(v, topics) for k, v in value.items()}
        pairs = [[_encode(k, topics), _encode(v, topics)] for k, v in value.items()]
        return {_TAG: "dict", "v": pairs}
    if kind in (tuple, set, frozenset):
        return {_TAG: kind.__name__, "v": [_encode(v, topics) for v in value]}
    return value  # the transcoder encodes what it has a transcoding for, and refuses the rest


def _decode(value: Any, topics: list[Any]) -> Any:
    kind = type(value)
    if kind is list:
        return [_decode(v, topics) for v in value]
    if kind is not dict:
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: _decode(v, topics) for k, v in value.items()}
    data = value["v"]
    if tag == "enum":
        return topics[value["t"]](data)
    if tag == "object":
        return topics[value["t"]](**{k: _decode(v, topics) for k, v in data.items()})
    if tag == "dict":
        return {_decode(k, topics): _decode(v, topics) for k, v in data}
    items = [_decode(v, topics) for v in data]
    if tag == "tuple":
        return tuple(items)
    if tag == "set":
        return set(items)
    if tag == "frozenset":
        return frozenset(items)
    raise ValueError(f"a snapshot value tagged {tag!r}")


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
