"""A shared resource's calendar: its bookings' windows and quantities, and stretch by stretch
how much of it is free (what it has, less what the bookings holding that time take).

Fed by each resource's own events only; the free quantities are worked out when read, from the
bookings in the span asked for, with the same arithmetic the resource decides bookings by."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from marketplace.aggregates.booking_window import usage
from marketplace.events.envelope import CloudEvent
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.public.resources import (
    RESOURCES_TOPIC,
    ResourceBookedV1,
    ResourceBookingCancelledV1,
    ResourceHandedOverV1,
    ResourceListedV1,
    ResourceReturnedV1,
    ResourceWithdrawnV1,
)
from marketplace.events.wire import payload_of
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT, DECIMAL, TIMESTAMP = ColumnType.TEXT, ColumnType.DECIMAL, ColumnType.TIMESTAMP

RESOURCES = Table(
    "resource_calendar_resources",
    columns=(
        Column("resource_id", TEXT),
        Column("owner_unit_id", TEXT),
        Column("uom", TEXT),
        Column("available_quantity", DECIMAL),
        Column("status", TEXT),
    ),
    key=("resource_id",),
)
BOOKINGS = Table(
    "resource_calendar_bookings",
    columns=(
        Column("booking_id", TEXT),
        Column("resource_id", TEXT),
        Column("unit_id", TEXT),
        Column("starts_at", TIMESTAMP),
        Column("ends_at", TIMESTAMP),
        Column("quantity", DECIMAL),
        Column("amount", DECIMAL),
        Column("contract_id", TEXT),
        Column("status", TEXT),
        Column("incident_id", TEXT, nullable=True),
    ),
    key=("booking_id",),
    indexes=(("resource_id", "starts_at"),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != RESOURCES_TOPIC:
        return []
    payload = payload_of(event)
    resource = {"resource_id": event.subject}
    match payload:
        case ResourceListedV1():
            listed: dict[str, Value] = {
                "owner_unit_id": payload.owner_unit_id,
                "uom": payload.uom,
                "available_quantity": Decimal(payload.available_quantity),
                "status": "listed",
            }
            return [Upsert(RESOURCES.name, resource, listed)]
        case ResourceWithdrawnV1():
            return [Upsert(RESOURCES.name, resource, {"status": "withdrawn"})]
        case ResourceBookedV1():
            booked: dict[str, Value] = {
                **resource,
                "unit_id": payload.unit_id,
                "starts_at": payload.starts_at,
                "ends_at": payload.ends_at,
                "quantity": Decimal(payload.quantity),
                "amount": Decimal(payload.amount),
                "contract_id": payload.contract_id,
                "status": "booked",
                "incident_id": None,
            }
            return [Upsert(BOOKINGS.name, {"booking_id": payload.booking_id}, booked)]
        case ResourceBookingCancelledV1():
            return [_status(payload.booking_id, "cancelled")]
        case ResourceHandedOverV1():
            return [_status(payload.booking_id, "handed_over")]
        case ResourceReturnedV1():
            return [_status(payload.booking_id, "returned", incident_id=payload.incident_id)]
    return []


def _status(booking_id: str, status: str, **more: Value) -> Upsert:
    return Upsert(BOOKINGS.name, {"booking_id": booking_id}, {"status": status, **more})


PROJECTION = Projection(
    name="resource_calendar",
    version=1,
    topics=(RESOURCES_TOPIC,),
    tables=(RESOURCES, BOOKINGS),
    apply=apply,
)

_BOOKING_COLUMNS = ", ".join(c.name for c in BOOKINGS.columns)


async def calendar_of(
    reader: RowReader, resource_id: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """The bookings (all but the cancelled) holding a part of [start, end), in the order they
    start, and [start, end) in stretches, each with the quantity booked and free."""
    found = await reader.fetch(
        f"SELECT uom, available_quantity, status FROM {RESOURCES.name} "  # noqa: S608
        "WHERE resource_id = $1",
        [resource_id],
        RESOURCES.types,
    )
    bookings = await reader.fetch(
        f"SELECT {_BOOKING_COLUMNS} FROM {BOOKINGS.name} "  # noqa: S608
        "WHERE resource_id = $1 AND status <> 'cancelled' AND starts_at < $3 AND ends_at > $2 "
        "ORDER BY starts_at, booking_id",
        [resource_id, start, end],
        BOOKINGS.types,
    )
    available = Decimal(found[0]["available_quantity"]) if found else Decimal(0)
    windows = [(b["starts_at"], b["ends_at"], Decimal(b["quantity"])) for b in bookings]
    return {
        "resource_id": resource_id,
        "uom": found[0]["uom"] if found else None,
        "status": found[0]["status"] if found else None,
        "available_quantity": available,
        "from": start,
        "to": end,
        "bookings": bookings,
        "stretches": [
            {"from": s.start, "to": s.end, "booked": s.booked, "free": available - s.booked}
            for s in usage(windows, start, end)
        ],
    }
