"""Sealing of secrets at rest: AES-256-GCM over bid amounts padded to one fixed size, and over
whole stored values of any size (`seal_bytes`, each bound to the use and row it belongs to)."""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Every plaintext is padded to this many bytes, so a token's length says nothing of the amount
# (a bid's JSON is about 77 bytes at the largest amount the API accepts).
PADDED_SIZE = 128
PLAINTEXT_LIMIT = PADDED_SIZE - 2  # a 2-byte length prefix comes first
_NONCE = 12
_PADDED = "v2."  # not in the url-safe base64 alphabet: unpadded tokens never start with it
# The format is bound into the authenticated data: a padded token passed off as an unpadded
# one (or the reverse) fails authentication instead of decrypting.
_AAD_PADDED = b"marketplace.bid.v2"
_AAD_UNPADDED = b"marketplace.bid"
# Values of any size are bound to their use and their place (e.g. an idempotency row's token and
# key): one cannot be passed off as a bid, nor moved to another row.
_AAD_BYTES = b"marketplace.bytes.v1:"


class UnsealError(ValueError):
    """A token that the key cannot open: another key, or an altered token."""


class AesGcmSealer:
    """`seal` returns `v2.` + url-safe base64 of nonce + ciphertext of the padded plaintext;
    `unseal` reverses it, and still opens the unpadded tokens sealed before padding."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("The seal key must be 32 bytes (base64 of 32 random bytes).")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str) -> str:
        data = plaintext.encode()
        if len(data) > PLAINTEXT_LIMIT:
            raise ValueError(
                f"cannot seal {len(data)} bytes: a sealed value holds at most "
                f"{PLAINTEXT_LIMIT} bytes"
            )
        padded = len(data).to_bytes(2, "big") + data + bytes(PLAINTEXT_LIMIT - len(data))
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, padded, _AAD_PADDED)
        return _PADDED + base64.urlsafe_b64encode(sealed).decode()

    def unseal(self, token: str) -> str:
        if token.startswith(_PADDED):
            padded = self._decrypt(token.removeprefix(_PADDED), _AAD_PADDED)
            size = int.from_bytes(padded[:2], "big")
            return padded[2 : 2 + size].decode()
        return self._decrypt(token, _AAD_UNPADDED).decode()

    def seal_bytes(self, data: bytes, context: bytes) -> bytes:
        """Nonce + ciphertext of `data` (any size, not padded), authenticated with `context`."""
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, data, _AAD_BYTES + context)

    def unseal_bytes(self, sealed: bytes, context: bytes) -> bytes:
        """`data` again; UnsealError under another key, another context or when altered."""
        try:
            return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], _AAD_BYTES + context)
        except InvalidTag:
            raise UnsealError(
                "a sealed value cannot be unsealed: it was sealed under another seal key, "
                "for another place, or altered"
            ) from None

    def _decrypt(self, text: str, aad: bytes) -> bytes:
        raw = base64.urlsafe_b64decode(text.encode())
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], aad)
        except InvalidTag:
            raise UnsealError(
                "a sealed value cannot be unsealed: it was sealed under another seal key, "
                "or altered"
            ) from None
