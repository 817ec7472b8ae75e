"""Table definitions of read models and their DDL, portable between SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
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
    """A read-model table: its columns, primary key and secondary indexes.

    `substring_index` names a text column searched with `LIKE '%…%'`: PostgreSQL gets a
    pg_trgm GIN index on it (where the extension can be created: else a warning, and such
    searches scan), SQLite an FTS5 trigram table beside it (`text_table`), kept by triggers,
    which a query must join itself on `rowid` (… MATCH …); see catalog_search.find.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    substring_index: str | None = None

    def __post_init__(self) -> None:
        check_identifier(self.name)
        names = {c.name for c in self.columns}
        indexed = (c for index in self.indexes for c in index)
        text = (self.substring_index,) if self.substring_index else ()
        for wanted in (*self.key, *indexed, *text):
            if wanted not in names:
                raise ValueError(f"{self.name}: no column {wanted!r}")

    @property
    def text_table(self) -> str | None:
        """SQLite: the FTS5 table of `substring_index` (dropped and made again with this one)."""
        return f"{self.name}_text" if self.substring_index else None

    @property
    def types(self) -> dict[str, ColumnType]:
        return {c.name: c.type for c in self.columns}

    def ddl(self, dialect: Dialect, *, bare: bool = False) -> list[str]:
        """CREATE statements (idempotent) for the table and its indexes; `bare`: the table
        alone, keyed (a SQLite rebuild's scratch, which only writes by key: the swap copies its
        rows into a table with every index, whose triggers fill the substring index)."""
        sql_types = _SQL_TYPES[dialect]
        columns = [
            f"{c.name} {sql_types[c.type]}{'' if c.nullable else ' NOT NULL'}" for c in self.columns
        ]
        columns.append(f"PRIMARY KEY ({', '.join(self.key)})")
        statements = [f"CREATE TABLE IF NOT EXISTS {self.name} ({', '.join(columns)})"]
        if bare:
            return statements
        for index in self.indexes:
            name = index_name(self.name, index)
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {name} ON {self.name} ({', '.join(index)})"
            )
        if self.substring_index is not None:
            text = _SUBSTRING_INDEX[dialect]
            statements += [s.format(table=self.name, column=self.substring_index) for s in text]
        return statements

    def index_ddl(self, dialect: Dialect) -> list[str]:
        """What `ddl` adds to the bare table: its indexes (built from the rows it holds)."""
        return self.ddl(dialect)[len(self.ddl(dialect, bare=True)) :]


# A substring index. SQLite: an external-content FTS5 table of trigrams (case-sensitive: the
# column is to hold folded text already), fed by triggers. PostgreSQL: pg_trgm, created in
# `public` (not in the read models' schema, which a rebuild's scratch schema would take away
# with it); its operator class named by the schema it is found in.
_SUBSTRING_INDEX: dict[Dialect, list[str]] = {
    "sqlite": [
        "CREATE VIRTUAL TABLE IF NOT EXISTS {table}_text USING fts5({column}, "
        "content='{table}', tokenize='trigram case_sensitive 1')",
        "CREATE TRIGGER IF NOT EXISTS {table}_text_insert AFTER INSERT ON {table} BEGIN "
        "INSERT INTO {table}_text(rowid, {column}) VALUES (new.rowid, new.{column}); END",
        "CREATE TRIGGER IF NOT EXISTS {table}_text_delete AFTER DELETE ON {table} BEGIN "
        "INSERT INTO {table}_text({table}_text, rowid, {column}) "
        "VALUES ('delete', old.rowid, old.{column}); END",
        "CREATE TRIGGER IF NOT EXISTS {table}_text_update AFTER UPDATE OF {column} ON {table} "
        "BEGIN INSERT INTO {table}_text({table}_text, rowid, {column}) "
        "VALUES ('delete', old.rowid, old.{column}); "
        "INSERT INTO {table}_text(rowid, {column}) VALUES (new.rowid, new.{column}); END",
        # Rows older than the index (a read model of a version without it, until its rebuild
        # swaps in a fresh copy): indexed once, when the index is new.
        "INSERT INTO {table}_text({table}_text) SELECT 'rebuild' "
        "WHERE NOT EXISTS (SELECT 1 FROM {table}_text_docsize) AND EXISTS (SELECT 1 FROM {table})",
    ],
    "postgresql": [
        """DO $$
DECLARE found text;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'pg_trgm cannot be created (%): searches of {table}.{column} scan it',
            SQLERRM;
    END;
    SELECT extnamespace::regnamespace::text INTO found FROM pg_extension
        WHERE extname = 'pg_trgm';
    IF found IS NOT NULL THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS {table}_{column}_trgm ON {table} '
            'USING gin ({column} %s.gin_trgm_ops)', found);
    END IF;
END $$""",
    ],
}


# PostgreSQL cuts identifiers at 63 bytes: a longer index name is shortened by a digest instead.
_NAME_LIMIT = 63


def index_name(table: str, columns: Sequence[str]) -> str:
    """`<table>_by_<columns>`, or `<table>_by_<digest of the columns>` where that is too long."""
    name = f"{table}_by_{'_'.join(columns)}"
    if len(name) <= _NAME_LIMIT:
        return name
    digest = hashlib.sha1(",".join(columns).encode()).hexdigest()[:12]  # noqa: S324 - a name
    return f"{table}_by_{digest}"
