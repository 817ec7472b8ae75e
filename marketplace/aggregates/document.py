"""Product information and technical documents (paper §3.4.2②) attached to a catalog product.

A document belongs to the product a catalog entry names — its supplier and item code — not to
the entry itself: each catalog version is compiled from new submissions with new entry ids, so
the supplier's same item in the next version shows the same documents. The bytes are kept
elsewhere, by their SHA-256; the events hold only what describes them."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate

KINDS = ("datasheet", "certificate", "drawing", "other")


class Document(MarketAggregate):
    @classmethod
    def attach(
        cls,
        document_id: str,
        entry_id: str,
        version_id: str,
        supplier_unit_id: str,
        item_code: str,
        blob: tuple[str, int, str],
        file_name: str,
        title: str,
        kind: str,
        actor: Actor,
        timestamp: datetime,
    ) -> Document:
        """`blob`: the kept bytes' (sha256, size, media type)."""
        if kind not in KINDS:
            raise DomainError("unknown_document_kind", f"A document is one of {', '.join(KINDS)}.")
        sha256, size, media_type = blob
        return cls(
            id=document_id,
            entry_id=entry_id,
            version_id=version_id,
            supplier_unit_id=supplier_unit_id,
            item_code=item_code,
            sha256=sha256,
            size=size,
            media_type=media_type,
            file_name=file_name,
            title=title,
            kind=kind,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Attached")
    def __init__(
        self,
        id: str,
        entry_id: str,
        version_id: str,
        supplier_unit_id: str,
        item_code: str,
        sha256: str,
        size: int,
        media_type: str,
        file_name: str,
        title: str,
        kind: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.entry_id = entry_id
        self.version_id = version_id
        self.supplier_unit_id = supplier_unit_id
        self.item_code = item_code
        self.sha256 = sha256
        self.size = size
        self.media_type = media_type
        self.file_name = file_name
        self.title = title
        self.kind = kind
        self.uploaded_by = actor.unit_id
        self.uploaded_at = timestamp
