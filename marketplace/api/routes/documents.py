"""`/v1/documents`: a technical document's bytes, byte for byte, for any signed-in token."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import StreamingResponse

from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.downloads import download
from marketplace.handlers import documents

router = APIRouter(prefix="/v1/documents", tags=["documents"])


@router.get(
    "/{document_id}",
    response_class=StreamingResponse,
    responses={200: {"description": "The bytes as uploaded.", "content": {"*/*": {}}}},
)
def get_document(document_id: str, svc: ServicesDep, _: PrincipalDep) -> StreamingResponse:
    """The document's bytes, byte for byte, with its media type and as an attachment (for any
    signed-in token)."""
    document, chunks = documents.read_document(svc, document_id)
    return download(document, chunks)
