"""`marketplace backup FILE`: the embedded store copied while it serves, into one archive.

SQLite's online backup API copies each database in one read transaction (writers go on: the
store is in WAL mode), the read models first and the event store after, so no read model is
ahead of the events beside it; it catches up from its position at the next start. The
documents' blobs are copied after the events, so every document an event names is there (a
blob is stored before its event, and never changed). In the copy, the audit chain is extended
to its last event, and the manifest names that link; `restore` checks it.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from marketplace import __version__
from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.adapters.seal_key import key_check
from marketplace.audit.chain import GENESIS, Ledger
from marketplace.backup.manifest import (
    DOCUMENTS,
    EVENTS,
    MANIFEST,
    READ_MODELS,
    STORE_ID,
    BackupError,
    Manifest,
)
from marketplace.private_files import PRIVATE_DIR, PRIVATE_FILE, open_private

INCOMING = ".incoming"  # uploads being received: not documents yet


def take_backup(
    data_dir: Path, documents_dir: Path, target: Path, seal_key: bytes | None
) -> Manifest:
    """Archive the store in `data_dir` (and its documents) as `target`, which must not exist."""
    events = data_dir / EVENTS
    if not events.is_file():
        raise BackupError(f"there is no event store in {data_dir} ({EVENTS} is missing)")
    if target.exists():
        raise BackupError(f"{target} exists already: give a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".marketplace-backup-", dir=target.parent))
    try:
        read_models = data_dir / READ_MODELS
        has_read_models = read_models.is_file()
        if has_read_models:  # first: never ahead of the events copied next
            copy_database(read_models, staging / READ_MODELS)
        copy_database(events, staging / EVENTS)
        head, last = _chain_to_the_end(staging / EVENTS)
        store_id = _store_id(data_dir)
        blobs = sorted(_blobs(documents_dir))
        manifest = Manifest(
            version=__version__,
            taken_at=datetime.now(UTC),
            store_id=store_id,
            head=head,
            chain_position=last[0],
            chain_hash=last[1],
            documents=len(blobs),
            read_models=has_read_models,
            seal_key_check=key_check(seal_key) if seal_key else None,
        )
        _write_archive(target, staging, manifest, documents_dir, blobs)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (one read transaction), as one file."""
    os.close(open_private(target, os.O_WRONLY))
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # the whole copy in its one file
    finally:
        dst.close()
        src.close()


def _chain_to_the_end(events: Path) -> tuple[int, tuple[int, str]]:
    """The copy's head and its chain's last link, the chain extended to the head first (the
    live chain follows the store within a second: its missing links are computed here)."""
    store = EventSourcingStore(StoreLocation(sqlite_path=events))
    ledger = Ledger(store.location)
    try:
        ledger.extend(store)
        head = store.head()
        last = ledger.last()
    finally:
        ledger.close()
        store.close()
    with sqlite3.connect(events) as conn:  # the library's WAL back into the file
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return head, (last.position, last.hash) if last else (0, GENESIS)


def _store_id(data_dir: Path) -> str | None:
    path = data_dir / STORE_ID
    return path.read_text().strip() or None if path.is_file() else None


def _blobs(documents_dir: Path) -> Iterator[Path]:
    """The stored blobs (relative paths); uploads still arriving are not documents yet."""
    if not documents_dir.is_dir():
        return
    for path in documents_dir.rglob("*"):
        relative = path.relative_to(documents_dir)
        if relative.parts[0] != INCOMING and path.is_file() and not path.is_symlink():
            yield relative


def _write_archive(
    target: Path, staging: Path, manifest: Manifest, documents_dir: Path, blobs: list[Path]
) -> None:
    """Written beside `target` and renamed into place: a half-written archive never has the
    name; 0600 (it holds the store, bids sealed)."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    fd = open_private(partial, os.O_WRONLY | os.O_EXCL)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w:gz", compresslevel=1) as tar,
        ):
            _add_bytes(tar, MANIFEST, manifest.to_json())
            for name in (EVENTS, READ_MODELS):
                if (staging / name).is_file():
                    tar.add(staging / name, name, filter=_private)
            if manifest.store_id:
                _add_bytes(tar, STORE_ID, manifest.store_id.encode())
            for blob in blobs:
                tar.add(documents_dir / blob, f"{DOCUMENTS}/{blob.as_posix()}", filter=_private)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = PRIVATE_FILE
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode = PRIVATE_DIR if info.isdir() else PRIVATE_FILE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
