"""Requests to buy outside the group as lists show them: the need, its demand unit, the ground,
and the superior's decision.

Fed by each need's own events only (its posting names the demand unit, its later events the
requests), so the rows are the same in any interleaving of needs; a read joins the two tables."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.needs import (
    NEEDS_TOPIC,
    ExternalSourcingApprovedV1,
    ExternalSourcingRejectedV1,
    ExternalSourcingRequestedV1,
    NeedClosedExternalV1,
    NeedPostedV1,
    NeedPostedV2,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections import sql
from marketplace.projections.changes import RowChange, Upsert, Value
from marketplace.projections.need_summary import quantity_text
from marketplace.projections.pages import Order, Page, PageRequest, Source, fetch_page
from marketplace.projections.projection import Projection, types_of
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT
STATUSES = ("requested", "approved", "rejected", "used")

# What a request's row shows of its need, from the need's posting.
NEEDS = Table(
    "external_sourcing_list_needs",
    columns=(
        Column("need_id", TEXT),
        Column("demand_unit_id", TEXT),
        Column("title", TEXT),
        Column("item_code", TEXT),
        Column("need_quantity", TEXT),
        Column("uom", TEXT),
    ),
    key=("need_id",),
    indexes=(("demand_unit_id",),),
)
REQUESTS = Table(
    "external_sourcing_list_requests",
    columns=(
        Column("request_id", TEXT),
        Column("need_id", TEXT),
        Column("ground", TEXT),
        Column("justification", TEXT),
        Column("quantity", TEXT, nullable=True),
        Column("status", TEXT),
        Column("requested_at", ColumnType.TIMESTAMP),
        Column("requested_by_unit_id", TEXT, nullable=True),
        Column("decided_at", ColumnType.TIMESTAMP, nullable=True),
        Column("decided_by_unit_id", TEXT, nullable=True),
        Column("reason", TEXT, nullable=True),
    ),
    key=("request_id",),
    indexes=(("need_id",), ("status", "requested_at"), ("requested_at", "request_id")),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != NEEDS_TOPIC:
        return []
    payload = payload_of(event)
    match payload:
        case NeedPostedV1() | NeedPostedV2():  # v1: relayed before v2 existed
            spec = payload.spec
            need: dict[str, Value] = {
                "demand_unit_id": spec.demand_unit_id,
                "title": spec.title,
                "item_code": spec.item_code,
                "need_quantity": quantity_text(spec.quantity),
                "uom": spec.uom,
            }
            return [Upsert(NEEDS.name, {"need_id": event.subject}, need)]
        case ExternalSourcingRequestedV1():
            values: dict[str, Value] = {
                "need_id": event.subject,
                "ground": payload.ground,
                "justification": payload.justification,
                "quantity": None if payload.quantity is None else quantity_text(payload.quantity),
                "status": "requested",
                "requested_at": event.time,
                "requested_by_unit_id": payload.actor.unit_id,
                "decided_at": None,
                "decided_by_unit_id": None,
                "reason": None,
            }
            return [_request(payload.request_id, values)]
        case ExternalSourcingApprovedV1():
            return [_request(payload.request_id, _decision("approved", event, payload))]
        case ExternalSourcingRejectedV1():
            decision = _decision("rejected", event, payload) | {"reason": payload.reason}
            return [_request(payload.request_id, decision)]
        case NeedClosedExternalV1() if payload.request_id:
            # An approval is used once, as the need itself records.
            return [_request(payload.request_id, {"status": "used"})]
    return []


def _decision(status: str, event: CloudEvent, payload: Any) -> dict[str, Value]:
    return {
        "status": status,
        "decided_at": event.time,
        "decided_by_unit_id": payload.approver_unit_id,
    }


def _request(request_id: str, values: dict[str, Value]) -> Upsert:
    return Upsert(REQUESTS.name, {"request_id": request_id}, values)


PROJECTION = Projection(
    name="external_sourcing_list",
    version=1,
    topics=(NEEDS_TOPIC,),
    tables=(NEEDS, REQUESTS),
    apply=apply,
    types=types_of(
        ExternalSourcingApprovedV1,
        ExternalSourcingRejectedV1,
        ExternalSourcingRequestedV1,
        NeedClosedExternalV1,
        NeedPostedV1,
        NeedPostedV2,
    ),
)

NEWEST_FIRST = Order(REQUESTS, ("requested_at", "request_id"), descending=True)
_NEED_COLUMNS = [c.name for c in NEEDS.columns if c.name != "need_id"]
_JOINED = Source(
    from_=f"{REQUESTS.name} r JOIN {NEEDS.name} n ON n.need_id = r.need_id",
    select=", ".join([f"r.{c.name}" for c in REQUESTS.columns] + [f"n.{c}" for c in _NEED_COLUMNS]),
    types=REQUESTS.types | NEEDS.types,
    alias="r.",
)


async def requests_of(
    reader: RowReader, units: Collection[str] | None, status: str | None, page: PageRequest
) -> Page:
    """A page of requests, newest first, whose need's demand unit is one of `units` (`units`
    None: every request), of one status when given."""
    where = sql.Where()
    where.any_in(("n.demand_unit_id",), units)
    where.equal("r.status", status)
    return await fetch_page(reader, NEWEST_FIRST, where.conditions, where.params, page, _JOINED)


async def by_ground(
    reader: RowReader,
    start: datetime | None,
    end: datetime | None,
    units: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Per ground, the requests made in [start, end) by a need of one of `units` (None: any):
    how many, approved (used ones included: they were approved), rejected, still awaiting."""
    where = sql.Where()
    where.within("r.requested_at", start, end)
    where.any_in(("n.demand_unit_id",), units)
    rows = await reader.fetch(
        "SELECT r.ground AS ground, COUNT(*) AS requests, "  # noqa: S608 - fixed names
        "SUM(CASE WHEN r.status IN ('approved', 'used') THEN 1 ELSE 0 END) AS approved, "
        "SUM(CASE WHEN r.status = 'rejected' THEN 1 ELSE 0 END) AS rejected "
        f"FROM {_JOINED.from_} WHERE {where.sql()} GROUP BY r.ground",
        where.params,
        {"ground": TEXT, "requests": ColumnType.INTEGER, "approved": ColumnType.INTEGER,
         "rejected": ColumnType.INTEGER},
    )  # fmt: skip
    found = [
        {
            "ground": r["ground"],
            "requests": int(r["requests"]),
            "approved": int(r["approved"]),
            "rejected": int(r["rejected"]),
            "awaiting": int(r["requests"]) - int(r["approved"]) - int(r["rejected"]),
        }
        for r in rows
    ]
    return sorted(found, key=lambda r: r["ground"])
