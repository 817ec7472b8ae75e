"""Documents' bytes, content-addressed by SHA-256: in a folder, or in PostgreSQL large objects."""

# ruff: noqa: S608 - SQL is built only from the fixed table name

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from marketplace.adapters.postgres import DatabaseTimeouts, libpq_options
from marketplace.private_files import private_dir

CHUNK = 1 << 16
_TABLE = "document_blobs"


class DirectoryBlobs:
    """`<root>/<first two hex digits>/<sha256>`; an upload is written in `<root>/.incoming` and
    renamed into place, so a blob is either whole or absent."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def scratch(self) -> Path:
        incoming = self.root / ".incoming"
        private_dir(self.root)  # made first: `mkdir(parents=True)` gives parents the umask's mode
        private_dir(incoming)
        return incoming

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise KeyError(sha256)
        return self.root / sha256[:2] / sha256

    def keep(self, spooled: Path, sha256: str) -> None:
        target = self.path_of(sha256)
        if target.exists():  # the same bytes are kept once
            spooled.unlink(missing_ok=True)
            return
        private_dir(self.root)  # made first: `mkdir(parents=True)` gives parents the umask's mode
        private_dir(target.parent)
        with spooled.open("rb") as file:
            os.fsync(file.fileno())
        os.replace(spooled, target)

    def chunks(self, sha256: str) -> Iterator[bytes]:
        path = self.path_of(sha256)
        if not path.is_file():
            raise KeyError(sha256)
        return _read_chunks(path)


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


class LargeObjectBlobs:
    """PostgreSQL large objects beside the event store: table `document_blobs` maps a digest
    to its object; writing one and its row is one transaction (whole or absent)."""

    def __init__(self, url: str, schema: str, timeouts: DatabaseTimeouts) -> None:
        self.url, self.schema, self.timeouts = url, schema, timeouts
        self._created = False

    def scratch(self) -> Path:
        return Path(tempfile.gettempdir())

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        conn = psycopg.connect(self.url, autocommit=True, **libpq_options(self.timeouts))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        if not self._created:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('document_blobs'))")
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {_TABLE} "
                    "(sha256 TEXT PRIMARY KEY, object OID NOT NULL, size BIGINT NOT NULL)"
                )
            self._created = True
        return conn

    def keep(self, spooled: Path, sha256: str) -> None:
        try:
            with self._connect() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (sha256,))
                found = conn.execute(
                    f"SELECT 1 FROM {_TABLE} WHERE sha256 = %s",
                    (sha256,),
                ).fetchone()
                if found is not None:
                    return
                row = conn.execute("SELECT lo_create(0)").fetchone()
                assert row is not None
                oid, offset = row[0], 0
                with spooled.open("rb") as file:
                    while chunk := file.read(CHUNK * 16):
                        conn.execute("SELECT lo_put(%s, %s, %s)", (oid, offset, chunk))
                        offset += len(chunk)
                conn.execute(
                    f"INSERT INTO {_TABLE} (sha256, object, size) VALUES (%s, %s, %s)",
                    (sha256, oid, offset),
                )
        finally:
            spooled.unlink(missing_ok=True)

    def chunks(self, sha256: str) -> Iterator[bytes]:
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT object, size FROM {_TABLE} WHERE sha256 = %s",
                (sha256,),
            ).fetchone()
        if row is None:
            raise KeyError(sha256)
        return self._read(row[0], int(str(row[1])))

    def _read(self, oid: object, size: int) -> Iterator[bytes]:
        with self._connect() as conn:
            for offset in range(0, size, CHUNK * 16):
                got = conn.execute("SELECT lo_get(%s, %s, %s)", (oid, offset, CHUNK * 16))
                row = got.fetchone()
                assert row is not None
                yield bytes(row[0])  # type: ignore[call-overload]
