"""The needs board: each demand unit's needs with their status, offers and outcome.

Every row change comes from the need's own events, so the rows are the same whatever order
other aggregates' events arrive in. Budgets are not kept: lists are read more widely than a
need itself, and the budget is the demand side's business.
"""

from __future__ import annotations

from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.needs import (
    NEEDS_TOPIC,
    NeedAwardedV1,
    NeedOfferReceivedV1,
    NeedOfferWithdrawnV1,
    NeedPostedV1,
    NeedPostedV2,
    NeedTenderConcludedV1,
)
from marketplace.events.public.payload import Payload
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections.changes import Increment, RowChange, Upsert
from marketplace.projections.need_summary import (
    SUMMARY_COLUMNS,
    progress_of,
    quantity_text,
    summary_values,
)
from marketplace.projections.pages import Order, Page, PageRequest, fetch_page
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

NEEDS = Table(
    "needs_board_items",
    columns=(
        Column("need_id", TEXT),
        *SUMMARY_COLUMNS,
        Column("open_quantity", TEXT),
        Column("status", TEXT),
        Column("matched_suppliers", ColumnType.INTEGER),
        Column("offers", ColumnType.INTEGER),
        Column("contract_id", TEXT, nullable=True),
    ),
    key=("need_id",),
    indexes=(("demand_unit_id", "status", "posted_at"),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = PUBLIC_TYPES.get(event.type)
    if kind is None or kind.topic != NEEDS_TOPIC:
        return []
    payload = payload_of(event)
    key = {"need_id": event.subject}
    match payload:
        case NeedPostedV1() | NeedPostedV2():  # v1: relayed before v2 existed
            spec = payload.spec
            values = summary_values(spec, event.time) | {
                "matched_suppliers": len({m.supplier_unit_id for m in payload.matches}),
                "offers": 0,
                "contract_id": None,
            }
            return [Upsert(NEEDS.name, key, values | _progress(payload))]
        case NeedOfferReceivedV1() | NeedOfferWithdrawnV1():
            step = 1 if isinstance(payload, NeedOfferReceivedV1) else -1
            return [Increment(NEEDS.name, key, {"offers": step})]
        case NeedAwardedV1() | NeedTenderConcludedV1(internal=True):
            awarded = _progress(payload) | {"contract_id": payload.contract_id}
            return [Upsert(NEEDS.name, key, awarded)]
    values = _progress(payload)
    return [Upsert(NEEDS.name, key, values)] if values else []


def _progress(payload: Payload) -> dict[str, Any]:
    """The need's new status and open quantity, by the aggregate's rule (need_status)."""
    progress = progress_of(payload)
    values: dict[str, Any] = {}
    if progress is not None and progress.status is not None:
        values["status"] = progress.status.value
    if progress is not None and progress.open_quantity is not None:
        values["open_quantity"] = quantity_text(str(progress.open_quantity))
    return values


PROJECTION = Projection(
    name="needs_board", version=3, topics=(NEEDS_TOPIC,), tables=(NEEDS,), apply=apply
)


NEWEST_FIRST = Order(NEEDS, ("posted_at", "need_id"), descending=True)


async def needs_of(
    reader: RowReader,
    demand_unit_id: str,
    status: str | None = None,
    page: PageRequest = PageRequest(),
) -> Page:
    """A page of the unit's needs, newest first, optionally of one status."""
    where, params = ["demand_unit_id = $1"], [demand_unit_id]
    if status is not None:
        where, params = [*where, "status = $2"], [*params, status]
    return await fetch_page(reader, NEWEST_FIRST, where, params, page)
