"""Where read models live (a SQLite file or a PostgreSQL schema), and opening a store there."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from marketplace.adapters.postgres import DatabaseTimeouts
from marketplace.projections.store import ReadModelStore


@dataclass(frozen=True)
class ReadModelLocation:
    sqlite_path: Path | None = None
    postgres_url: str | None = None
    postgres_schema: str = "read_models"
    timeouts: DatabaseTimeouts = field(default_factory=DatabaseTimeouts)


async def open_store(location: ReadModelLocation) -> ReadModelStore:
    if location.postgres_url:
        from marketplace.projections.postgres_store import PostgresReadModels

        return await PostgresReadModels.open(
            location.postgres_url, location.postgres_schema, location.timeouts
        )
    from marketplace.projections.sqlite_store import SqliteReadModels

    assert location.sqlite_path is not None
    return await SqliteReadModels.open(location.sqlite_path)
