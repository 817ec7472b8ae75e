"""Technical documents as a catalog product's page lists them: by supplier and item code.

One row per document, fed by its own single event, so the rows are the same in any order."""

from __future__ import annotations

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.documents import DOCUMENTS_TOPIC, DocumentAttachedV1
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

DOCUMENTS = Table(
    "document_list_documents",
    columns=(
        Column("document_id", TEXT),
        Column("supplier_unit_id", TEXT),
        Column("item_code", TEXT),
        Column("entry_id", TEXT),
        Column("version_id", TEXT),
        Column("sha256", TEXT),
        Column("size", ColumnType.INTEGER),
        Column("media_type", TEXT),
        Column("file_name", TEXT),
        Column("title", TEXT),
        Column("kind", TEXT),
        Column("uploaded_by_unit_id", TEXT, nullable=True),
        Column("uploaded_at", ColumnType.TIMESTAMP),
    ),
    key=("document_id",),
    indexes=(("supplier_unit_id", "item_code", "uploaded_at"),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != DOCUMENTS_TOPIC:
        return []
    payload = payload_of(event)
    if not isinstance(payload, DocumentAttachedV1):
        return []
    values: dict[str, Value] = {
        "supplier_unit_id": payload.supplier_unit_id,
        "item_code": payload.item_code,
        "entry_id": payload.entry_id,
        "version_id": payload.version_id,
        "sha256": payload.sha256,
        "size": payload.size,
        "media_type": payload.media_type,
        "file_name": payload.file_name,
        "title": payload.title,
        "kind": payload.kind,
        "uploaded_by_unit_id": payload.actor.unit_id,
        "uploaded_at": event.time,
    }
    return [Upsert(DOCUMENTS.name, {"document_id": event.subject}, values)]


PROJECTION = Projection(
    name="document_list", version=1, topics=(DOCUMENTS_TOPIC,), tables=(DOCUMENTS,), apply=apply
)

NEWEST_FIRST = Order(DOCUMENTS, ("uploaded_at", "document_id"), descending=True)


async def documents_of(
    reader: RowReader, supplier_unit_id: str, item_code: str, page: PageRequest
) -> Page:
    """A page of one product's documents (whichever version's entry they came through),
    newest first."""
    where = sql.Where()
    where.equal("supplier_unit_id", supplier_unit_id)
    where.equal("item_code", item_code)
    return await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)
