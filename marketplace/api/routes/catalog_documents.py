"""`/v1/catalog/entries/{entry_id}/documents`: a catalog product's technical documents, uploaded
as multipart files (read them back with `/v1/documents/{document_id}`)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, UploadFile, status
from pydantic import BaseModel, Field

from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.downloads import safe_file_name
from marketplace.api.openapi_errors import ERROR_REF
from marketplace.api.pages import Paged, PageDep
from marketplace.handlers import documents
from marketplace.inputs import ShortText

router = APIRouter(prefix="/v1/catalog/entries", tags=["documents"])


class DocumentCreated(BaseModel):
    document_id: str
    sha256: str = Field(description="SHA-256 of the bytes, lowercase hex.")
    size: int = Field(description="Bytes.")
    media_type: str = Field(
        description="Judged from the content, not the file name.", examples=["application/pdf"]
    )


class DocumentItem(DocumentCreated):
    entry_id: str = Field(
        description="The entry it was attached through (maybe an earlier "
        "catalog version's entry of the same supplier and item)."
    )
    version_id: str
    supplier_unit_id: str
    item_code: str
    file_name: str
    title: str
    kind: str
    uploaded_by_unit_id: str | None
    uploaded_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> DocumentItem:
        return cls.model_validate(row)


class DocumentListOut(Paged):
    items: list[DocumentItem]


@router.post(
    "/{entry_id}/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentCreated,
    responses={
        415: {
            "description": "`unsupported_media_type`: the content is not a PDF, an image, an "
            "office file or UTF-8 text.",
            "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
        },
    },
)
async def attach_document(
    entry_id: str,
    file: Annotated[UploadFile, File(description="The document (one file, at most 20 MB).")],
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    title: Annotated[ShortText | None, Form(max_length=200)] = None,
    kind: Annotated[Literal["datasheet", "certificate", "drawing", "other"], Form()] = "other",
) -> dict[str, Any]:
    """The supplier of the entry, or its platform's admin, attaches a technical document to
    the entry's product (its supplier and item code): the next catalog versions' entries of the
    same product show it too. PDF, PNG/JPEG/GIF/WebP, Word/Excel/PowerPoint (OOXML or legacy)
    or UTF-8 text, judged from the content: anything else → 415 `unsupported_media_type`.
    Larger than 20 MB → 413 `payload_too_large` (refused while the body streams in). The same
    bytes are stored once. Documents go over HTTP only: there is no Kafka command for this."""
    entry = await documents.locate_entry(svc, runtime, entry_id)
    await asyncio.to_thread(documents.may_attach, svc, principal, entry.supplier_unit_id)
    received = await asyncio.to_thread(documents.receive, svc, file.file, svc.max_document_bytes)
    try:
        name = safe_file_name(file.filename)
        document = await asyncio.to_thread(
            documents.attach_document, svc, principal, entry, received, name, title or "", kind
        )
    finally:
        received.path.unlink(missing_ok=True)
    return {
        "document_id": document.id,
        "sha256": document.sha256,
        "size": document.size,
        "media_type": document.media_type,
    }


@router.get("/{entry_id}/documents", response_model=DocumentListOut)
async def list_documents(
    entry_id: str, svc: ServicesDep, runtime: ProjectionsDep, _: PrincipalDep, page: PageDep
) -> DocumentListOut:
    """The documents of the entry's product, newest first, whichever catalog version's entry
    they were attached through. For any signed-in token."""
    _entry, found = await documents.entry_documents(svc, runtime, entry_id, page)
    items = [DocumentItem.of(r) for r in found.items]
    return DocumentListOut(items=items, next_cursor=found.next_cursor)
