"""Base classes every aggregate shares: string ids, the acting principal, domain errors."""

from __future__ import annotations

import functools
import importlib
import sys
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
        # Each class once, in index order, with the fields its values list (by position).
        state[_TOPICS] = [
            [_topic_of(kind), list(_init_fields(kind)) if is_dataclass(kind) else None]
            for kind in topics
        ]
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
        topics = [(_resolve(topic), names) for topic, names in state.pop(_TOPICS, [])]
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
_TOPICS = "_snapshot_topics_"
# Values JSON would not give back as they were are lists headed by a marker: lists, because the
# JSON decoder builds them without calling back into Python (a catalog has 10^5 entries). The
# marker starts with NUL, which no text the platform accepts holds; a list that does anyway is
# escaped.
_MARK = "\0"
_OBJECT, _ENUM, _TUPLE, _SET, _FROZENSET, _MAP, _LIST = (
    _MARK + code for code in ("o", "e", "t", "s", "f", "d", "l")
)
_COLLECTIONS = {tuple: _TUPLE, set: _SET, frozenset: _FROZENSET}
# Left to the store's transcoder (JSON, or its registered transcodings).
_PLAIN = frozenset({str, int, float, bool, type(None), Decimal, datetime, date})


def _topic_of(kind: type) -> str:
    return f"{kind.__module__}:{kind.__qualname__}"


def _resolve(topic: str) -> Any:
    module, _, qualname = topic.partition(":")
    found: Any = importlib.import_module(module)
    for name in qualname.split("."):
        found = getattr(found, name)
    return found


def _encode(value: Any, topics: dict[type, int]) -> Any:
    """`value` as JSON values, marking what JSON would not give back as it was."""
    kind: Any = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, Enum):
        return [_ENUM, topics.setdefault(kind, len(topics)), value.value]
    if is_dataclass(value) and not isinstance(value, type):
        index = topics.setdefault(kind, len(topics))
        return [_OBJECT, index, *(_encoded(getattr(value, n), topics) for n in _init_fields(kind))]
    if kind is list:
        items = [_encoded(v, topics) for v in value]
        marked = bool(items) and type(items[0]) is str and items[0].startswith(_MARK)
        return [_LIST, *items] if marked else items
    if kind is dict:
        if all(type(k) is str for k in value) and "_type_" not in value:
            return {k: _encoded(v, topics) for k, v in value.items()}
        # Keys JSON would turn into strings; or the transcoder's own tagging to keep clear of.
        return [_MAP, *(_encoded(x, topics) for pair in value.items() for x in pair)]
    if kind in _COLLECTIONS:
        return [_COLLECTIONS[kind], *(_encoded(v, topics) for v in value)]
    return value  # the transcoder encodes what it has a transcoding for, and refuses the rest


def _encoded(value: Any, topics: dict[type, int]) -> Any:
    # Most of a large state is plain: answered without a call.
    return value if type(value) in _PLAIN else _encode(value, topics)


@functools.cache
def _init_fields(kind: Any) -> tuple[str, ...]:
    """A value class's fields its constructor takes (the others it works out itself)."""
    return tuple(f.name for f in fields(kind) if f.init)


def _decode(value: Any, topics: list[tuple[Any, list[str] | None]]) -> Any:
    kind = type(value)
    if kind is dict:
        return {k: v if type(v) in _PLAIN else _decode(v, topics) for k, v in value.items()}
    if kind is not list:
        return value
    head = value[0] if value else None
    if type(head) is not str or not head.startswith(_MARK):
        return [v if type(v) in _PLAIN else _decode(v, topics) for v in value]
    if head == _ENUM:
        return topics[value[1]][0](value[2])
    if head == _OBJECT:
        made, names = topics[value[1]]
        assert names is not None
        values = [_shared(v) if type(v) in _PLAIN else _decode(v, topics) for v in value[2:]]
        return made(**dict(zip(names, values, strict=True)))
    items = [v if type(v) in _PLAIN else _decode(v, topics) for v in value[1:]]
    if head == _LIST:
        return items
    if head == _TUPLE:
        return tuple(items)
    if head == _SET:
        return set(items)
    if head == _FROZENSET:
        return frozenset(items)
    if head == _MAP:
        return dict(zip(items[::2], items[1::2], strict=True))
    raise ValueError(f"a snapshot value marked {head!r}")


def _shared(value: Any) -> Any:
    """Short text of a restored value as one shared string: 10^5 catalog entries repeat a few
    units, categories and units of measure, each otherwise a string of its own."""
    return sys.intern(value) if type(value) is str and len(value) <= _SHARED_UP_TO else value


_SHARED_UP_TO = 24


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
