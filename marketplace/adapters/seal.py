"""Sealing of bid amounts at rest: AES-256-GCM under a key from settings or the data directory."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from marketplace.log import get_logger

log = get_logger(__name__)


class AesGcmSealer:
    """`seal` returns url-safe base64 of nonce + ciphertext; `unseal` reverses it."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("The seal key must be 32 bytes (base64 of 32 random bytes).")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, plaintext.encode(), b"marketplace.bid")
        return base64.urlsafe_b64encode(sealed).decode()

    def unseal(self, token: str) -> str:
        raw = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(raw[:12], raw[12:], b"marketplace.bid").decode()


def load_or_create_key(configured: str | None, data_dir: Path, shared_store: bool) -> bytes:
    """The configured key; else one kept in the data directory (created on first use)."""
    if configured:
        return base64.urlsafe_b64decode(configured.encode() + b"==")
    if shared_store:
        log.warning(
            "seal_key_not_configured",
            advice="set MARKETPLACE_SEAL_KEY: every instance must share the same key",
        )
    path = data_dir / "seal.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.urlsafe_b64encode(AESGCM.generate_key(256)).decode())
    return base64.urlsafe_b64decode(path.read_text().strip().encode())
