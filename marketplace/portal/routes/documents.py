"""`/catalog/entries/{entry_id}`: a catalog entry's page with its product's technical documents,
the supplier's (or its platform admin's) upload form, and `/documents/{id}` to download one
(the API's handlers: `documents.receive`, `attach_document`, `read_document`)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile
from starlette.responses import StreamingResponse

from marketplace.aggregates.document import KINDS
from marketplace.api.downloads import download, safe_file_name
from marketplace.api.limits import TOO_LARGE
from marketplace.handlers import documents
from marketplace.handlers.errors import (
    AppError,
    Forbidden,
    InvalidField,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from marketplace.inputs import find_control_character
from marketplace.portal.i18n import N_
from marketplace.portal.web import PageRoute, SignedIn, Viewer, checked_form, query
from marketplace.projections import catalog_search
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
NO_FILE = N_("Choose a file to upload.")
EMPTY = N_("The file is empty.")
TOO_BIG = N_("The file is larger than {limit}.")
UNSUPPORTED = N_(
    "This file is not a PDF, an image (PNG, JPEG, GIF, WebP), a Word, Excel or PowerPoint file, or UTF-8 text; its content was checked, not its name."  # noqa: E501
)
BAD_TITLE = N_("A title has at most 200 characters and no control characters.")
KIND_WORDS = {
    "datasheet": N_("Datasheet"),
    "certificate": N_("Certificate"),
    "drawing": N_("Drawing"),
    "other": N_("Other document"),
}


@router.get("/catalog/entries/{entry_id}")
async def entry_page(viewer: SignedIn, request: Request, entry_id: str) -> Response:
    return await _page(viewer, entry_id, query(request, "cursor"))


@router.post("/catalog/entries/{entry_id}/documents")
async def upload(viewer: SignedIn, request: Request, entry_id: str) -> Response:
    """The form's file attached, as the API does; refused, the page says why (413/415/422)."""
    entry = await documents.locate_entry(viewer.svc, viewer.runtime, entry_id)
    await asyncio.to_thread(
        documents.may_attach, viewer.svc, viewer.signed_in, entry.supplier_unit_id
    )
    limit = _limit(viewer)
    if request.scope.get(TOO_LARGE):  # the body was cut off at the limit: nothing to check
        return await _refused(viewer, entry_id, 413, _too_big(viewer, limit))
    form = await checked_form(request, viewer)
    sent, title = form.get("file"), form.get("title")
    kind = str(form.get("kind") or "other")
    values = {"title": title if isinstance(title, str) else "", "kind": kind}
    if not isinstance(sent, UploadFile) or not sent.filename:
        return await _refused(viewer, entry_id, 422, viewer._(NO_FILE), values)
    if len(values["title"]) > 200 or find_control_character(values["title"], line_breaks=False):
        return await _refused(viewer, entry_id, 422, viewer._(BAD_TITLE), values, "title")
    try:
        received = await asyncio.to_thread(documents.receive, viewer.svc, sent.file, limit)
    except InvalidField:
        return await _refused(viewer, entry_id, 422, viewer._(EMPTY), values)
    except PayloadTooLarge:
        return await _refused(viewer, entry_id, 413, _too_big(viewer, limit), values)
    except UnsupportedMediaType:
        return await _refused(viewer, entry_id, 415, viewer._(UNSUPPORTED), values)
    try:
        await asyncio.to_thread(
            documents.attach_document,
            viewer.svc,
            viewer.signed_in,
            entry,
            received,
            safe_file_name(sent.filename),
            values["title"],
            kind if kind in KINDS else "other",
        )
    finally:
        received.path.unlink(missing_ok=True)
    return RedirectResponse(f"/catalog/entries/{quote(entry_id, safe='')}#documents", 303)


@router.get("/documents/{document_id}")
async def download_document(viewer: SignedIn, document_id: str) -> StreamingResponse:
    viewer.signed_in  # noqa: B018 - signed in, like the API's any-token rule
    document, chunks = await asyncio.to_thread(documents.read_document, viewer.svc, document_id)
    return download(document, chunks)


def _limit(viewer: Viewer) -> int:
    return viewer.svc.max_document_bytes


def _too_big(viewer: Viewer, limit: int) -> str:
    return viewer._(TOO_BIG, limit=size_text(limit))


def size_text(size: int) -> str:
    """20 MB, 64 KB: a limit as people say it."""
    mb, kb = 1024 * 1024, 1024
    return f"{size // mb} MB" if size >= mb else f"{max(size // kb, 1)} KB"


async def _refused(
    viewer: Viewer,
    entry_id: str,
    status: int,
    message: str,
    values: dict[str, str] | None = None,
    field: str = "file",
) -> Response:
    return await _page(viewer, entry_id, None, status, {field: message}, values or {})


async def _page(
    viewer: Viewer,
    entry_id: str,
    cursor: str | None,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    svc, principal = viewer.svc, viewer.signed_in
    entry, found = await documents.entry_documents(
        svc, viewer.runtime, entry_id, PageRequest(limit=PAGE, cursor=cursor)
    )
    reader = await viewer.runtime.reader(catalog_search.PROJECTION.name)
    row: dict[str, Any] = await catalog_search.entry_by_id(reader, entry_id) or {}
    try:
        await asyncio.to_thread(documents.may_attach, svc, principal, entry.supplier_unit_id)
        may_upload = True
    except (Forbidden, AppError):
        may_upload = False
    return viewer.render(
        "documents/entry.html",
        status,
        entry=entry,
        row=row,
        found=found,
        may_upload=may_upload,
        errors=errors or {},
        values=values or {"title": "", "kind": "datasheet"},
        kinds=[(k, viewer._(KIND_WORDS[k])) for k in KINDS],
        kind_word=lambda k: viewer._(KIND_WORDS.get(k, KIND_WORDS["other"])),
        limit=size_text(_limit(viewer)),
    )
