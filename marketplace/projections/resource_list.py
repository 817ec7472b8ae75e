"""Shared resources as the list shows them: owner, kind, name, rate per unit of time, how much
can be booked at once, listed or withdrawn, and how many bookings hold a window of it.

Fed by each resource's own events only, so the rows are the same in any interleaving."""

from __future__ import annotations

from decimal import Decimal

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.resources import (
    RESOURCES_TOPIC,
    ResourceBookedV1,
    ResourceBookingCancelledV1,
    ResourceListedV1,
    ResourceWithdrawnV1,
)
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import Increment, RowChange, Upsert, Value
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT, INTEGER, DECIMAL, TIMESTAMP = (
    ColumnType.TEXT,
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.TIMESTAMP,
)

RESOURCES = Table(
    "resource_list_resources",
    columns=(
        Column("resource_id", TEXT),
        Column("owner_unit_id", TEXT),
        Column("kind", TEXT),
        Column("name", TEXT),
        Column("uom", TEXT),
        Column("rate", DECIMAL),
        Column("available_quantity", DECIMAL),
        Column("status", TEXT),
        Column("listed_at", TIMESTAMP),
        Column("bookings", INTEGER),  # those holding a window: all but the cancelled
    ),
    key=("resource_id",),
    indexes=(("owner_unit_id", "listed_at"), ("kind", "listed_at"), ("listed_at", "resource_id")),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != RESOURCES_TOPIC:
        return []
    payload = payload_of(event)
    key = {"resource_id": event.subject}
    match payload:
        case ResourceListedV1():
            values: dict[str, Value] = {
                "owner_unit_id": payload.owner_unit_id,
                "kind": payload.kind,
                "name": payload.name,
                "uom": payload.uom,
                "rate": Decimal(payload.rate),
                "available_quantity": Decimal(payload.available_quantity),
                "status": "listed",
                "listed_at": event.time,
                "bookings": 0,
            }
            return [Upsert(RESOURCES.name, key, values)]
        case ResourceBookedV1():
            return [Increment(RESOURCES.name, key, {"bookings": 1})]
        case ResourceBookingCancelledV1():
            return [Increment(RESOURCES.name, key, {"bookings": -1})]
        case ResourceWithdrawnV1():
            return [Upsert(RESOURCES.name, key, {"status": "withdrawn"})]
    return []


PROJECTION = Projection(
    name="resource_list",
    version=1,
    topics=(RESOURCES_TOPIC,),
    tables=(RESOURCES,),
    apply=apply,
)

NEWEST_FIRST = Order(RESOURCES, ("listed_at", "resource_id"), descending=True)


async def resources_of(
    reader: RowReader, owner_unit_id: str | None, kind: str | None, page: PageRequest
) -> Page:
    """A page of resources, the newest listed first, of one owner and one kind when named."""
    where = sql.Where()
    where.equal("owner_unit_id", owner_unit_id)
    where.equal("kind", kind)
    return await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page)
