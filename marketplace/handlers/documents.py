"""Use cases of technical documents: receive an upload (hashed and judged while copied into the
document store), attach it to a catalog product, read it back, list a product's documents."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.base import RecordNotFound
from marketplace.aggregates.document import Document
from marketplace.handlers import catalog
from marketplace.handlers.auth import Principal
from marketplace.handlers.document_types import media_type_of
from marketplace.handlers.errors import (
    Forbidden,
    InvalidField,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import DocumentBlobs, ReadModels, Services
from marketplace.projections import catalog_search, document_list
from marketplace.projections.pages import Page, PageRequest

CHUNK = 1 << 16
ALLOWED = "PDF, PNG, JPEG, GIF or WebP images, Word/Excel/PowerPoint files, or UTF-8 text"


@dataclass(frozen=True)
class Received:
    """An upload copied into the store's scratch folder, hashed and judged, not yet kept."""

    path: Path
    sha256: str
    size: int
    media_type: str

    @property
    def blob(self) -> tuple[str, int, str]:
        return self.sha256, self.size, self.media_type


@dataclass(frozen=True)
class EntryRef:
    """A catalog entry as a document names it: the entry, its version and its product."""

    entry_id: str
    version_id: str
    supplier_unit_id: str
    item_code: str


def blobs_of(svc: Services) -> DocumentBlobs:
    if svc.documents is None:
        raise NotFound("This deployment keeps no documents.")
    return svc.documents


def receive(svc: Services, source: BinaryIO, max_bytes: int) -> Received:
    """Copy `source` into the store's scratch folder a chunk at a time, counting and hashing;
    then judge its content. Refused: empty (422), over `max_bytes` (413), a type a document
    may not have (415); nothing is left behind."""
    fd, name = tempfile.mkstemp(prefix="upload-", dir=blobs_of(svc).scratch())
    path, digest, size = Path(name), hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as target:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"A document is at most {max_bytes} bytes.", max_bytes)
                digest.update(chunk)
                target.write(chunk)
        if size == 0:
            raise InvalidField("file", "The file is empty.", "empty_file")
        media_type = media_type_of(path)
        if media_type is None:
            raise UnsupportedMediaType(
                f"A document is a {ALLOWED}; this file's content is none of them.",
                {"allowed": ALLOWED},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Received(path, digest.hexdigest(), size, media_type)


def may_attach(svc: Services, principal: Principal, supplier_unit_id: str) -> None:
    """The supplier itself, or a platform admin over it (the supplier's platform)."""
    unit = principal.unit_id
    if unit is not None and principal.has(Role.UNIT_OPERATOR, Role.PLATFORM_ADMIN):
        if unit == supplier_unit_id:
            return
        if principal.has(Role.PLATFORM_ADMIN) and chart(svc).is_within(supplier_unit_id, unit):
            return
    raise Forbidden(
        f"Only supplier {supplier_unit_id!r} or its platform's admin attaches its documents.",
        {"supplier_unit_id": supplier_unit_id},
    )


def entry_ref(svc: Services, version_id: str, entry_id: str) -> EntryRef:
    """The entry, as its catalog version records it (404 when it is not there)."""
    entry = catalog.load_version(svc, version_id, reading=True).entry(entry_id)
    return EntryRef(entry_id, version_id, entry.supplier_unit_id, entry.item_code)


def attach_document(
    svc: Services,
    principal: Principal,
    entry: EntryRef,
    received: Received,
    file_name: str,
    title: str,
    kind: str,
) -> Document:
    """Keep the received bytes (once per content) and record the document on the product."""
    may_attach(svc, principal, entry.supplier_unit_id)
    document = Document.attach(
        svc.new_id("doc"),
        entry.entry_id,
        entry.version_id,
        entry.supplier_unit_id,
        entry.item_code,
        received.blob,
        file_name,
        title or file_name,
        kind,
        principal.actor,
        svc.clock(),
    )
    blobs_of(svc).keep(received.path, received.sha256)
    svc.store.save(document)
    return document


def load_document(svc: Services, document_id: str) -> Document:
    return svc.load(Document, document_id, "Document", reading=True)


def read_document(svc: Services, document_id: str) -> tuple[Document, Iterator[bytes]]:
    """The document and its bytes, for any signed-in caller."""
    document = load_document(svc, document_id)
    try:
        return document, blobs_of(svc).chunks(document.sha256)
    except KeyError:
        raise NotFound(
            f"Document {document_id!r}'s content is missing from the document store.",
            {"id": document_id},
        ) from None


async def locate_entry(svc: Services, models: ReadModels, entry_id: str) -> EntryRef:
    """A catalog entry by its id alone (any version): its version from the catalog's read
    model, then the entry as that version records it; 404 when either does not know it."""
    reader = await models.reader(catalog_search.PROJECTION.name)
    row = await catalog_search.entry_by_id(reader, entry_id)
    if row is None:
        raise NotFound(f"Catalog entry {entry_id!r} does not exist.", {"id": entry_id})
    try:
        return await asyncio.to_thread(entry_ref, svc, row["version_id"], entry_id)
    except (NotFound, RecordNotFound):
        raise NotFound(f"Catalog entry {entry_id!r} does not exist.", {"id": entry_id}) from None


async def entry_documents(
    svc: Services, models: ReadModels, entry_id: str, page: PageRequest
) -> tuple[EntryRef, Page]:
    """A page of the documents of the entry's product (from any catalog version), newest first."""
    entry = await locate_entry(svc, models, entry_id)
    reader = await models.reader(document_list.PROJECTION.name)
    found = await document_list.documents_of(reader, entry.supplier_unit_id, entry.item_code, page)
    return entry, found
