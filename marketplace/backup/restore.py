"""`marketplace restore FILE`: an archive of `backup` into an empty data directory.

The archive is unpacked beside the data directory and checked before anything is put in
place: its event store must hold the manifest's head, and its hash chain must verify up to
the manifest's last link. Only then are the files moved in (0600, folders 0700).
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from marketplace.adapters.eventstore import EventSourcingStore, StoreLocation
from marketplace.audit.chain import Ledger, Verification
from marketplace.backup.manifest import (
    DOCUMENTS,
    EVENTS,
    MANIFEST,
    READ_MODELS,
    STORE_ID,
    BackupError,
    Manifest,
)
from marketplace.private_files import private_dir, secure_data_dir

_FILES = {EVENTS, READ_MODELS, STORE_ID}


def read_manifest(archive: Path) -> Manifest:
    with tarfile.open(archive, "r:*") as tar:
        member = tar.next()
        if member is None or member.name != MANIFEST:
            raise BackupError(f"{archive} is not a marketplace backup (no {MANIFEST} first)")
        extracted = tar.extractfile(member)
        assert extracted is not None
        return Manifest.from_json(extracted.read())


def restore_backup(archive: Path, data_dir: Path, documents_dir: Path) -> Manifest:
    """Unpack, check and put in place; `data_dir` (and `documents_dir`) must be empty."""
    for folder in dict.fromkeys((data_dir, documents_dir)):
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise BackupError(
                f"{folder} is not empty: restore into an empty (or new) directory, so nothing "
                "of another store is mixed in or overwritten"
            )
    manifest = read_manifest(archive)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".marketplace-restore-", dir=data_dir.parent))
    try:
        _unpack(archive, staging)
        _check(staging, manifest)
        private_dir(data_dir)
        for name in _FILES:
            if (staging / name).is_file():
                (staging / name).replace(data_dir / name)
        if (staging / DOCUMENTS).is_dir():
            private_dir(documents_dir)
            for blob in (staging / DOCUMENTS).iterdir():
                shutil.move(blob, documents_dir / blob.name)
        secure_data_dir(data_dir)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _unpack(archive: Path, staging: Path) -> None:
    """Only what a backup holds: the manifest, the databases, the store id and the blobs, as
    regular files under plain relative names (never a link, a device or `..`)."""
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            path = PurePosixPath(member.name)
            if path.is_absolute() or ".." in path.parts or not path.parts:
                raise BackupError(f"the archive names a path outside it: {member.name!r}")
            allowed = member.name in _FILES | {MANIFEST} or path.parts[0] == DOCUMENTS
            if not allowed or not (member.isfile() or member.isdir()):
                raise BackupError(f"the archive holds what a backup does not: {member.name!r}")
            if member.isdir():
                private_dir(staging / path)
                continue
            destination = staging / path
            private_dir(destination.parent)
            source = tar.extractfile(member)
            assert source is not None
            with source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
            destination.chmod(0o600)


def _check(staging: Path, manifest: Manifest) -> None:
    if not (staging / EVENTS).is_file():
        raise BackupError(f"the archive has no event store ({EVENTS})")
    store = EventSourcingStore(StoreLocation(sqlite_path=staging / EVENTS))
    ledger = Ledger(store.location)
    try:
        head = store.head()
        last = ledger.last()
        verification = ledger.verify(store)
    finally:
        ledger.close()
        store.close()
    if head != manifest.head:
        raise BackupError(
            f"the archive's event store ends at {head}, its manifest says {manifest.head}"
        )
    link = (last.position, last.hash) if last else (0, manifest.chain_hash)
    if link != (manifest.chain_position, manifest.chain_hash):
        raise BackupError("the archive's audit chain does not end at the link its manifest names")
    if not verification.ok:
        raise BackupError(f"the archive's audit chain is broken: {_broken(verification)}")


def _broken(verification: Verification) -> str:
    broken = verification.broken
    assert broken is not None
    return (
        f"{broken.problem} at position {broken.position} ({broken.aggregate_id} v{broken.version})"
    )
