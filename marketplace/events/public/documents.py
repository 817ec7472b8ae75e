"""The technical documents' public events: what describes a document, never its bytes."""

from __future__ import annotations

from pydantic import Field

from marketplace.aggregates.document import Document
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

DOCUMENTS_TOPIC = "marketplace.documents"


class DocumentAttachedV1(Payload):
    """A supplier (or its platform) attached a document to a catalog product; the event's
    subject is the document id. Read the bytes with `GET /v1/documents/{document_id}`."""

    entry_id: str = Field(description="The catalog entry it was attached through.")
    version_id: str = Field(description="That entry's catalog version.")
    supplier_unit_id: str
    item_code: str = Field(
        description="With the supplier, the product the document belongs to in every version."
    )
    sha256: str = Field(description="SHA-256 of the bytes, lowercase hex.")
    size: int = Field(description="Bytes.")
    media_type: str = Field(description="Judged from the content.", examples=["application/pdf"])
    file_name: str
    title: str
    kind: str = Field(examples=["datasheet", "certificate", "drawing", "other"])
    actor: ActorV1 = Field(description="The uploader.")


TYPES = (
    PublicType(
        domain_event(Document, "Attached"),
        "marketplace.document.attached.v1",
        DOCUMENTS_TOPIC,
        DocumentAttachedV1,
    ),
)
