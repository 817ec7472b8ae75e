"""What a backup archive holds and says of itself: `manifest.json`, its first member."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

FORMAT = "marketplace-backup/1"
MANIFEST = "manifest.json"
EVENTS = "events.sqlite3"  # the event store, with the audit chain and idempotency keys
READ_MODELS = "read_models.sqlite3"  # the read models and the notifier's tables
STORE_ID = "store-id"  # names the seal key's file (the key itself is never in an archive)
DOCUMENTS = "documents"  # the technical documents' blobs, `<xx>/<sha256>`


class BackupError(RuntimeError):
    """A backup or a restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """The archive's store as it was: its head, the hash chain's last link (which `restore`
    checks), and a check value of the seal key it was sealed with (None: unknown)."""

    version: str
    taken_at: datetime
    store_id: str | None
    head: int
    chain_position: int
    chain_hash: str
    documents: int
    read_models: bool
    seal_key_check: str | None
    format: str = FORMAT

    def to_json(self) -> bytes:
        data = asdict(self) | {"taken_at": self.taken_at.isoformat()}
        return json.dumps(data, indent=2).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data: dict[str, Any] = json.loads(raw)
            if data.get("format") != FORMAT:
                raise BackupError(f"not a {FORMAT} archive (format {data.get('format')!r})")
            data["taken_at"] = datetime.fromisoformat(data["taken_at"])
            return cls(**data)
        except (ValueError, TypeError, KeyError) as exc:
            raise BackupError(f"the archive's manifest cannot be read: {exc}") from exc
