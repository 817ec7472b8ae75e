"""A projection: a named, versioned read model fed by topics through a pure reducer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.payload import Payload
from marketplace.events.public.registry import BY_DOMAIN_NAME, PUBLIC_TYPES
from marketplace.projections.changes import RowChange
from marketplace.projections.tables import Dialect, Table, check_identifier

if TYPE_CHECKING:
    from marketplace.projections.store import ReadModelTransaction

Reducer = Callable[[CloudEvent], list[RowChange]]
# A reducer that reads what earlier batches wrote (in the batch's own transaction) before it
# decides: for a consumer whose rows are operational state, not a read model to rebuild.
BatchReducer = Callable[["ReadModelTransaction", Sequence[CloudEvent]], Awaitable[list[RowChange]]]


@dataclass(frozen=True)
class Projection:
    """What a read model is made of; bump `version` whenever the reducer or tables change.

    Its tables are named `<name>_…`, so a rebuild knows exactly which tables to swap.
    """

    name: str
    version: int
    topics: tuple[str, ...]
    tables: tuple[Table, ...]
    apply: Reducer
    # When set, used instead of `apply`: the batch's new events at once, in order.
    batch: BatchReducer | None = None
    # The public types of its topics the reducer reads, when it reads only some (see
    # `types_of`); None: all of them. Feeds hand it no others, and neither track nor (in a
    # rebuild) decode them: most of a contract's events concern one or two of its read models.
    types: frozenset[str] | None = None

    def __post_init__(self) -> None:
        check_identifier(self.name)
        if self.name == "projection":
            raise ValueError("'projection' is reserved for the tracking tables")
        for name in self.types or ():
            kind = PUBLIC_TYPES.get(name)
            if kind is None or kind.topic not in self.topics:
                raise ValueError(f"{self.name} reads {name!r}, not a type of its topics")
        for table in self.tables:
            if not table.name.startswith(f"{self.name}_"):
                raise ValueError(f"table {table.name!r} must be named {self.name}_…")

    def reads(self, topic: str, event_type: str) -> bool:
        """Whether an event of `event_type` on `topic` goes to the reducer."""
        return topic in self.topics and (self.types is None or event_type in self.types)

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"projection {self.name!r} has no table {name!r}")

    def ddl(self, dialect: Dialect, *, bare: bool = False) -> list[str]:
        return [s for table in self.tables for s in table.ddl(dialect, bare=bare)]


def types_of(*payloads: type[Payload], topics: Iterable[str] = ()) -> frozenset[str]:
    """The public types carrying these payload models, and every type of `topics`: what a
    reducer that matches on those models (and takes those topics whole) reads."""
    whole = set(topics)
    return frozenset(
        name
        for name, kind in PUBLIC_TYPES.items()
        if kind.payload in payloads or kind.topic in whole
    )


def read_by(projections: Iterable[Projection]) -> frozenset[str]:
    """The current public types (those the event store's events decode to) any of
    `projections` reads."""
    wanted = list(projections)
    return frozenset(
        kind.name
        for kind in BY_DOMAIN_NAME.values()
        if any(p.reads(kind.topic, kind.name) for p in wanted)
    )
