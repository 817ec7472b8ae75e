"""The ports of read-model stores: reading rows, and transactions that write rows and tracking."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from marketplace.projections.changes import RowChange, Value
from marketplace.projections.projection import Projection
from marketplace.projections.tables import Column, ColumnType, Dialect, Table

# Tracking lives beside the rows it describes, so both commit together. A projection named
# `projection` would collide with these tables, hence that name is reserved.
STATE = Table(
    "projection_state",
    columns=(
        Column("name", ColumnType.TEXT),
        Column("version", ColumnType.INTEGER),
        Column("position", ColumnType.INTEGER),
    ),
    key=("name",),
)
OFFSETS = Table(
    "projection_offsets",
    columns=(
        Column("name", ColumnType.TEXT),
        Column("topic", ColumnType.TEXT),
        Column("partition_id", ColumnType.INTEGER),
        Column("next_offset", ColumnType.INTEGER),
    ),
    key=("name", "topic", "partition_id"),
)
# The last applied version of each aggregate (per topic): dedupes redelivered events even when
# they come back at new offsets (a relay that re-published after a crash) or after a rebuild.
SUBJECTS = Table(
    "projection_subjects",
    columns=(
        Column("name", ColumnType.TEXT),
        Column("topic", ColumnType.TEXT),
        Column("subject", ColumnType.TEXT),
        Column("version", ColumnType.INTEGER),
    ),
    key=("name", "topic", "subject"),
)
# A projection that cannot apply an event (not an outage) stops there and says so here, where
# every process (API, workers, CLI) sees it; a rebuild swaps in a fresh copy without the row.
FAILURES = Table(
    "projection_failures",
    columns=(
        Column("name", ColumnType.TEXT),
        Column("version", ColumnType.INTEGER),
        Column("position", ColumnType.INTEGER, nullable=True),
        Column("error", ColumnType.TEXT),
        Column("failed_at", ColumnType.TIMESTAMP),
    ),
    key=("name",),
)
# Each worker process (relay, projection workers) says here every few seconds that it runs, so
# the API's /health can tell a missing or stuck process (see projections/heartbeats.py).
HEARTBEATS = Table(
    "component_heartbeats",
    columns=(
        Column("component", ColumnType.TEXT),
        Column("instance", ColumnType.TEXT),
        Column("started_at", ColumnType.TIMESTAMP),
        Column("last_seen", ColumnType.TIMESTAMP),
        Column("position", ColumnType.INTEGER, nullable=True),
        Column("lag", ColumnType.INTEGER, nullable=True),
    ),
    key=("component", "instance"),
)
TRACKING_TABLES = (STATE, OFFSETS, SUBJECTS, FAILURES, HEARTBEATS)
# What a rebuild's swap replaces (offsets stay: the new rows have applied what the old ones had).
REPLACED_ON_SWAP = (STATE, SUBJECTS, FAILURES)
NOT_BUILT = 0  # the version of a projection whose tables were never filled by any code


class StaleProjection(Exception):
    """The stored read model has another version than this code: it must be rebuilt first."""

    def __init__(self, name: str, stored: int, code: int) -> None:
        super().__init__(f"read model {name!r} is version {stored}, this code writes {code}")


@dataclass(frozen=True)
class ProjectionState:
    """A projection's tracking: its version and the event store position it has applied."""

    name: str
    version: int
    position: int


class RowReader(Protocol):
    async def fetch(
        self, sql: str, params: Sequence[Value], types: Mapping[str, ColumnType]
    ) -> list[dict[str, Any]]:
        """Rows of a query written for PostgreSQL placeholders (`$1`); `types` decode columns."""
        ...


class ReadModelTransaction(Protocol):
    """One store transaction: row changes and tracking commit together or not at all."""

    async def lock_state(self, projection: Projection) -> ProjectionState:
        """The state, created at position 0 if missing, locked against other writers."""
        ...

    async def save_position(self, name: str, position: int) -> None: ...

    async def next_offset(self, name: str, topic: str, partition: int) -> int: ...

    async def save_next_offset(
        self, name: str, topic: str, partition: int, offset: int
    ) -> None: ...

    async def subject_versions(
        self, name: str, topic: str, subjects: Collection[str]
    ) -> dict[str, int]: ...

    async def save_subject_versions(
        self, name: str, topic: str, versions: Mapping[str, int]
    ) -> None: ...

    async def write(self, table: Table, change: RowChange) -> None: ...

    async def rows(self, statement: str, params: Sequence[Value]) -> Sequence[Sequence[Any]]:
        """Raw rows of a query (`$n` placeholders) inside the transaction."""
        ...

    async def execute(self, statement: str, params: Sequence[Value]) -> None: ...

    async def write_many(self, table: Table, changes: Sequence[RowChange]) -> None:
        """The changes in order, batched where the store can (same effect as one by one)."""
        ...


class ReadModelStore(RowReader, Protocol):
    """Where read models live: a SQLite file or a PostgreSQL schema."""

    dialect: Dialect

    @property
    def where(self) -> str:
        """The file or schema, for people."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[ReadModelTransaction]: ...

    async def create(self, projection: Projection) -> None:
        """The projection's tables and the tracking tables, where missing."""
        ...

    async def state(self, name: str) -> ProjectionState | None: ...

    async def scratch(self, projection: Projection) -> ReadModelStore:
        """A new, empty sibling store (schema or file) to rebuild `projection` into."""
        ...

    def swapping(
        self, scratch: ReadModelStore, projection: Projection
    ) -> AbstractAsyncContextManager[None]:
        """Lock the projection here; on a clean exit, replace its tables and state by scratch's.

        Readers see the old rows until the swap commits.
        """
        ...

    async def discard(self) -> None:
        """Close and delete this (scratch) store."""
        ...

    async def close(self) -> None: ...


async def read_state(reader: RowReader, name: str) -> ProjectionState | None:
    """A projection's stored version and position (the same query on every store)."""
    rows = await reader.fetch(
        "SELECT name, version, position FROM projection_state WHERE name = $1",
        [name],
        STATE.types,
    )
    return ProjectionState(**rows[0]) if rows else None


async def read_states(reader: RowReader) -> dict[str, ProjectionState]:
    """Every projection's stored version and position, in one query (pollers read all)."""
    rows = await reader.fetch(
        "SELECT name, version, position FROM projection_state", [], STATE.types
    )
    return {row["name"]: ProjectionState(**row) for row in rows}


S = TypeVar("S", bound=ReadModelStore)


async def with_tables(scratch: S, projection: Projection) -> S:
    """A new scratch store with the projection's tables; discarded (its rebuild lock
    released) when that fails."""
    try:
        await scratch.create(projection)
    except BaseException:
        await scratch.discard()
        raise
    return scratch
