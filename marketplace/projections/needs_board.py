"""The needs board: each demand unit's needs with their status, offers and outcome.

Every row change comes from the need's own events, so the rows are the same whatever order
other aggregates' events arrive in. Budgets are not kept: lists are read more widely than a
need itself, and the budget is the demand side's business.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marketplace.events.envelope import CloudEvent
from marketplace.events.public.needs import (
    NEEDS_TOPIC,
    NeedAwardedV1,
    NeedCancelledV1,
    NeedClosedExternalV1,
    NeedOfferReceivedV1,
    NeedOfferWithdrawnV1,
    NeedPostedV1,
    NeedTenderConcludedV1,
    NeedTenderStartedV1,
)
from marketplace.events.public.registry import PUBLIC_TYPES
from marketplace.events.wire import payload_of
from marketplace.projections.changes import Increment, RowChange, Upsert
from marketplace.projections.need_summary import SUMMARY_COLUMNS, quantity_text, summary_values
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
        case NeedPostedV1():
            spec = payload.spec
            return [
                Upsert(
                    NEEDS.name,
                    key,
                    summary_values(spec, event.time)
                    | {
                        "open_quantity": quantity_text(spec.quantity),
                        "status": "open",
                        "matched_suppliers": len({m.supplier_unit_id for m in payload.matches}),
                        "offers": 0,
                        "contract_id": None,
                    },
                )
            ]
        case NeedOfferReceivedV1() | NeedOfferWithdrawnV1():
            step = 1 if isinstance(payload, NeedOfferReceivedV1) else -1
            return [Increment(NEEDS.name, key, {"offers": step})]
        case NeedAwardedV1():
            return [Upsert(NEEDS.name, key, _awarded(payload.contract_id))]
        case NeedCancelledV1():
            return [Upsert(NEEDS.name, key, {"status": "cancelled"})]
        case NeedTenderStartedV1():
            return [Upsert(NEEDS.name, key, {"status": "tendering"})]
        case NeedTenderConcludedV1() if payload.internal:
            return [Upsert(NEEDS.name, key, _awarded(payload.contract_id))]
        case NeedTenderConcludedV1():
            return [Upsert(NEEDS.name, key, {"status": "closed_external", "open_quantity": "0"})]
        case NeedClosedExternalV1():
            values: dict[str, Any] = {"open_quantity": quantity_text(payload.remaining_quantity)}
            if Decimal(payload.remaining_quantity) <= 0:
                values["status"] = "closed_external"
            return [Upsert(NEEDS.name, key, values)]
    return []


def _awarded(contract_id: str | None) -> dict[str, Any]:
    # The contract covers all that was still open, as the need itself says.
    return {"status": "awarded", "contract_id": contract_id, "open_quantity": "0"}


PROJECTION = Projection(
    name="needs_board", version=2, topics=(NEEDS_TOPIC,), tables=(NEEDS,), apply=apply
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
