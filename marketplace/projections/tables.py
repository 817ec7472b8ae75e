"""Table definitions of read models and their DDL, portable between SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Dialect = Literal["sqlite", "postgresql"]
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DECIMAL = "decimal"


# SQLite has no exact decimal nor timestamp type: both are stored as text (ISO 8601 UTC
# timestamps sort correctly as text) and converted by the SQLite store.
_SQL_TYPES: dict[Dialect, dict[ColumnType, str]] = {
    "postgresql": {
        ColumnType.TEXT: 'TEXT COLLATE "C"',
        ColumnType.INTEGER: "BIGINT",
        ColumnType.BOOLEAN: "BOOLEAN",
        ColumnType.TIMESTAMP: "TIMESTAMPTZ",
        ColumnType.DECIMAL: "NUMERIC",
    },
    "sqlite": {
        ColumnType.TEXT: "TEXT",
        ColumnType.INTEGER: "INTEGER",
        ColumnType.BOOLEAN: "INTEGER",
        ColumnType.TIMESTAMP: "TEXT",
        ColumnType.DECIMAL: "TEXT",
    },
}


def check_identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    nullable: bool = False

    def __post_init__(self) -> None:
        check_identifier(self.name)


@dataclass(frozen=True)
class Table:
    """A read-model table: its columns, primary key and secondary indexes."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        check_identifier(self.name)
        names = {c.name for c in self.columns}
        for wanted in (*self.key, *(c for index in self.indexes for c in index)):
            if wanted not in names:
                raise ValueError(f"{self.name}: no column {wanted!r}")

    @property
    def types(self) -> dict[str, ColumnType]:
        return {c.name: c.type for c in self.columns}

    def ddl(self, dialect: Dialect) -> list[str]:
        """CREATE statements (idempotent) for the table and its indexes."""
        sql_types = _SQL_TYPES[dialect]
        columns = [
            f"{c.name} {sql_types[c.type]}{'' if c.nullable else ' NOT NULL'}" for c in self.columns
        ]
        columns.append(f"PRIMARY KEY ({', '.join(self.key)})")
        statements = [f"CREATE TABLE IF NOT EXISTS {self.name} ({', '.join(columns)})"]
        for index in self.indexes:
            name = f"{self.name}_by_{'_'.join(index)}"
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {name} ON {self.name} ({', '.join(index)})"
            )
        return statements
