"""The tracking tables' SQL, one for both stores, and the transaction half built on it."""

# ruff: noqa: S608 - SQL is built only from fixed table names

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from marketplace.projections import sql
from marketplace.projections.changes import Value
from marketplace.projections.projection import Projection
from marketplace.projections.store import (
    OFFSETS,
    REPLACED_ON_SWAP,
    STATE,
    SUBJECTS,
    ProjectionState,
)

# Parameters: name, version. A state row to lock before the first event of a projection.
ENSURE_STATE = (
    f"INSERT INTO {STATE.name} (name, version, position) VALUES ($1, $2, 0) "
    "ON CONFLICT (name) DO NOTHING"
)
_STATE_OF = f"SELECT version, position FROM {STATE.name} WHERE name = $1"
_SAVE_POSITION = f"UPDATE {STATE.name} SET position = $2 WHERE name = $1"
_NEXT_OFFSET = sql.select(OFFSETS.name, ["next_offset"], OFFSETS.key)
_SAVE_NEXT_OFFSET = sql.upsert(OFFSETS.name, OFFSETS.key, [c.name for c in OFFSETS.columns])
_SAVE_SUBJECT_VERSION = sql.upsert(SUBJECTS.name, SUBJECTS.key, [c.name for c in SUBJECTS.columns])


def swap_tracking(live: str, fresh: str, *, from_fresh: bool = True) -> list[str]:
    """A swap's tracking statements (parameter: the projection's name): the rows of
    REPLACED_ON_SWAP come from `fresh`, the scratch copy (its schema or attached file); the
    subject versions only where `from_fresh` (else the live ones are only deleted: the caller
    has the new ones at hand)."""
    statements = []
    for tracking in REPLACED_ON_SWAP:
        statements.append(f"DELETE FROM {live}.{tracking.name} WHERE name = $1")
        if from_fresh or tracking is not SUBJECTS:
            statements.append(
                f"INSERT INTO {live}.{tracking.name} SELECT * FROM {fresh}.{tracking.name} "
                "WHERE name = $1"
            )
    return statements


class TrackingTransaction(ABC):
    """The tracking half of a `ReadModelTransaction`, on the statements both stores run."""

    # How the state row is read locked (SQLite's BEGIN IMMEDIATE holds the file's lock already).
    lock_clause: ClassVar[str] = ""

    @abstractmethod
    async def _execute(self, statement: str, params: Sequence[Value]) -> None: ...

    @abstractmethod
    async def _execute_many(self, statement: str, params: Sequence[Sequence[Value]]) -> None: ...

    @abstractmethod
    async def _rows(self, statement: str, params: Sequence[Value]) -> Sequence[Sequence[Any]]: ...

    async def rows(self, statement: str, params: Sequence[Value]) -> Sequence[Sequence[Any]]:
        return await self._rows(statement, params)

    async def execute(self, statement: str, params: Sequence[Value]) -> None:
        await self._execute(statement, params)

    async def lock_state(self, projection: Projection) -> ProjectionState:
        await self._execute(ENSURE_STATE, [projection.name, projection.version])
        ((version, position),) = await self._rows(_STATE_OF + self.lock_clause, [projection.name])
        return ProjectionState(projection.name, int(version), int(position))

    async def save_position(self, name: str, position: int) -> None:
        await self._execute(_SAVE_POSITION, [name, position])

    async def next_offset(self, name: str, topic: str, partition: int) -> int:
        rows = await self._rows(_NEXT_OFFSET, [name, topic, partition])
        return int(rows[0][0]) if rows else 0

    async def save_next_offset(self, name: str, topic: str, partition: int, offset: int) -> None:
        await self._execute(_SAVE_NEXT_OFFSET, [name, topic, partition, offset])

    async def save_subject_versions(
        self, name: str, topic: str, versions: Mapping[str, int]
    ) -> None:
        params = [(name, topic, subject, version) for subject, version in versions.items()]
        await self._execute_many(_SAVE_SUBJECT_VERSION, params)
