"""A projection: a named, versioned read model fed by topics through a pure reducer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from marketplace.events.envelope import CloudEvent
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

    def __post_init__(self) -> None:
        check_identifier(self.name)
        if self.name == "projection":
            raise ValueError("'projection' is reserved for the tracking tables")
        for table in self.tables:
            if not table.name.startswith(f"{self.name}_"):
                raise ValueError(f"table {table.name!r} must be named {self.name}_…")

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"projection {self.name!r} has no table {name!r}")

    def ddl(self, dialect: Dialect) -> list[str]:
        return [statement for table in self.tables for statement in table.ddl(dialect)]
