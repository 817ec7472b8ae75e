"""Where the seal key lives: outside the data directory, one file per store, never lost."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from marketplace.log import get_logger
from marketplace.private_files import PRIVATE_DIR, PRIVATE_FILE, open_private, private_dir

log = get_logger(__name__)
STORE_ID_FILE = "store-id"  # in the data directory: names the store's key file
_STORE_ID = re.compile(r"[0-9a-f]{16}")
LEGACY_KEY_FILE = "seal.key"  # in the data directory, where earlier versions kept the key


class SealKeyError(RuntimeError):
    """The store's seal key cannot be found or does not fit; the message says what to do."""


def decode_key(text: str) -> bytes:
    key = base64.urlsafe_b64decode(text.strip().encode() + b"==")
    if len(key) != 32:
        raise SealKeyError("The seal key must be base64 of 32 random bytes.")
    return key


def key_directory() -> Path:
    """`$XDG_CONFIG_HOME/marketplace`, else `~/.config/marketplace`."""
    configured = os.environ.get("XDG_CONFIG_HOME", "")
    base = Path(configured) if os.path.isabs(configured) else Path.home() / ".config"
    return base / "marketplace"


def default_key_file(store_id: str) -> Path:
    return key_directory() / f"seal-{store_id}.key"


def load_seal_key(
    configured: str | None, key_file: Path | None, data_dir: Path, shared_store: bool
) -> bytes:
    """The configured key; else the one in `key_file` or, by default, in the user's config
    directory under the store's id (kept in the data directory). The first start of a store
    makes the key; a key an older version kept in the data directory is moved out."""
    if configured:
        return decode_key(configured)
    if shared_store:
        log.warning(
            "seal_key_not_configured",
            advice="set MARKETPLACE_SEAL_KEY: every instance must share the same key",
        )
    private_dir(data_dir)
    with _locked(data_dir / STORE_ID_FILE) as id_file:
        store_id = id_file.read().strip()
        if not store_id:
            store_id = secrets.token_hex(8)
            path = key_file or default_key_file(store_id)
            key = _first_key(path, data_dir / LEGACY_KEY_FILE)
            id_file.write(store_id)
            id_file.flush()
            os.fsync(id_file.fileno())
            _sync_directory(data_dir)
        else:
            if not _STORE_ID.fullmatch(store_id):
                raise SealKeyError(f"{data_dir / STORE_ID_FILE} is damaged: {store_id[:40]!r}")
            path = key_file or default_key_file(store_id)
            if (data_dir / LEGACY_KEY_FILE).exists():
                _write_key(path, _read_key(data_dir / LEGACY_KEY_FILE))
            key = _existing_key(path, store_id, data_dir)
        _move_out_legacy_key(data_dir / LEGACY_KEY_FILE, path, key)
        return key


def _first_key(path: Path, legacy: Path) -> bytes:
    """A new store's key: an older version's from the data directory, a configured key file
    that already exists, or a new random key."""
    if legacy.exists():
        key = _read_key(legacy)
    elif path.exists():
        return _read_key(path)
    else:
        key = AESGCM.generate_key(256)
    _write_key(path, key)
    return key


def _existing_key(path: Path, store_id: str, data_dir: Path) -> bytes:
    if path.exists():
        return _read_key(path)
    elsewhere = default_key_file(store_id)
    hint = f" (the default place, {elsewhere}, has it)" if elsewhere.exists() else ""
    raise SealKeyError(
        f"The seal key of the store in {data_dir} (store id {store_id}) is missing: no file "
        f"{path}{hint}. Bids sealed in this store open only with that key: restore it from "
        f"your backup to {path}, or give it in MARKETPLACE_SEAL_KEY or MARKETPLACE_SEAL_KEY_FILE. "
        f"Only if this store never held sealed bids, delete {data_dir / STORE_ID_FILE} to "
        "start with a new key."
    )


def _move_out_legacy_key(legacy: Path, path: Path, key: bytes) -> None:
    """Remove the data directory's copy once the key file holds the same key."""
    if not legacy.exists():
        return
    if _read_key(path) != key or _read_key(legacy) != key:
        raise SealKeyError(f"{legacy} and {path} hold different seal keys; keep both, set one.")
    legacy.unlink()
    log.warning(
        "seal_key_moved",
        source=str(legacy),
        destination=str(path),
        advice="back the key file up apart from the data directory: restoring needs both",
    )


def _read_key(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("seal_key_file_readable_by_others", file=str(path), mode=oct(mode))
    return decode_key(path.read_text())


def _write_key(path: Path, key: bytes) -> None:
    """Create the key file 0600 in a 0700 folder, atomically; an existing one must agree."""
    if path.exists():
        if _read_key(path) != key:
            raise SealKeyError(f"{path} already holds another seal key; it was not replaced.")
        return
    if path.parent == key_directory():
        private_dir(path.parent)
    else:
        path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    scratch = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(base64.urlsafe_b64encode(key).decode())
            out.flush()
            os.fsync(out.fileno())
        os.link(scratch, path)  # never over an existing key, even one made meanwhile
    finally:
        scratch.unlink()
    _sync_directory(path.parent)


def _sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    """The store id file, read and written under an exclusive lock (two processes starting
    at once on a new store agree on one id and one key)."""
    with os.fdopen(open_private(path, os.O_RDWR), "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle


def key_check(key: bytes) -> str:
    """Tells whether a key is a store's (a backup's manifest keeps it) and nothing of the key."""
    return hmac.new(key, b"marketplace seal key check", hashlib.sha256).hexdigest()[:32]


def find_seal_key(
    configured: str | None, key_file: Path | None, store_id: str
) -> tuple[bytes | None, str]:
    """The key a store with `store_id` would start with, and where it is looked for; None when
    it is not there. Never makes one (unlike `load_seal_key`)."""
    if configured:
        return decode_key(configured), "MARKETPLACE_SEAL_KEY"
    path = key_file or default_key_file(store_id)
    return (_read_key(path) if path.exists() else None), str(path)
