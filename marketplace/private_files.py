"""Files only their owner may read: the embedded data directory 0700, the files in it 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# What the platform keeps in a data directory; nothing else that may lie there is touched.
OWN_FILES = ("events.sqlite3*", "read_models*", "store-id", "seal.key")
OWN_DIRS = ("documents",)  # uploaded documents' blobs, each folder and file in them


def private_dir(path: Path) -> None:
    """`path` as a directory (created with its parents if missing) that only its owner opens."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _tighten(path, PRIVATE_DIR)


def private_file(path: Path) -> None:
    """`path` as a file (created empty if missing) that only its owner reads and writes.

    SQLite gives a database's `-wal`, `-shm` and journal files the database file's mode,
    so creating the database file this way covers them too.
    """
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    _tighten(path, PRIVATE_FILE)


def open_private(path: Path, flags: int) -> int:
    """`os.open` that creates the file 0600 (a lock file, a scratch file)."""
    fd = os.open(path, flags | os.O_CREAT, PRIVATE_FILE)
    _tighten(path, PRIVATE_FILE)
    return fd


def secure_data_dir(data_dir: Path) -> None:
    """Tighten a data directory made by an older version: the folder 0700, the platform's
    files in it 0600. Does nothing when the directory does not exist yet."""
    if not data_dir.is_dir():
        return
    _tighten(data_dir, PRIVATE_DIR)
    for pattern in OWN_FILES:
        for path in data_dir.glob(pattern):
            if path.is_file() and not path.is_symlink():
                _tighten(path, PRIVATE_FILE)
    for name in OWN_DIRS:
        folder = data_dir / name
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in [folder, *folder.rglob("*")]:
            if not path.is_symlink():
                _tighten(path, PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    # Only what this user owns: a data directory in a shared place (/tmp) is left as it is.
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != mode:
        path.chmod(mode)
