"""The inbox: for each matched supplier, the needs it was matched to and whether it offered.

Every row change comes from the need's own events (which name the matched suppliers), so the
rows are the same whatever order other aggregates' events arrive in.
"""

# ruff: noqa: S608 - SQL is built only from fixed table and column names

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marketplace.events.contract import (
    EVENT_TYPES,
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
from marketplace.events.envelope import CloudEvent
from marketplace.projections.changes import RowChange, Upsert
from marketplace.projections.need_summary import SUMMARY_COLUMNS, summary_values
from marketplace.projections.projection import Projection
from marketplace.projections.store import RowReader
from marketplace.projections.tables import Column, ColumnType, Table

TEXT = ColumnType.TEXT

ITEMS = Table(
    "inbox_items",
    columns=(
        Column("unit_id", TEXT),
        Column("need_id", TEXT),
        *SUMMARY_COLUMNS,
        Column("status", TEXT),
        Column("offered", ColumnType.BOOLEAN),
    ),
    key=("unit_id", "need_id"),
    indexes=(("unit_id", "status", "posted_at"),),
)


def apply(event: CloudEvent) -> list[RowChange]:
    kind = EVENT_TYPES.get(event.type)
    if kind is None or kind.topic != NEEDS_TOPIC:
        return []
    payload = kind.payload.model_validate(event.data)
    need = event.subject
    match payload:
        case NeedPostedV1():
            values = summary_values(payload.spec, event.time) | {
                "status": "open",
                "offered": False,
            }
            suppliers = sorted({m.supplier_unit_id for m in payload.matches})
            return [_row(unit, need, values) for unit in suppliers]
        case NeedOfferReceivedV1() | NeedOfferWithdrawnV1() if payload.matched:
            offered = isinstance(payload, NeedOfferReceivedV1)
            return [_row(payload.supplier_unit_id, need, {"offered": offered})]
        case NeedAwardedV1() | NeedCancelledV1():
            status = "awarded" if isinstance(payload, NeedAwardedV1) else "cancelled"
            return [_row(u, need, {"status": status}) for u in payload.matched_supplier_unit_ids]
        case NeedTenderStartedV1():
            return [
                _row(u, need, {"status": "tendering"}) for u in payload.matched_supplier_unit_ids
            ]
        case NeedTenderConcludedV1():
            status = "awarded" if payload.internal else "closed_external"
            return [_row(u, need, {"status": status}) for u in payload.matched_supplier_unit_ids]
        case NeedClosedExternalV1() if Decimal(payload.remaining_quantity) <= 0:
            return [
                _row(u, need, {"status": "closed_external"})
                for u in payload.matched_supplier_unit_ids
            ]
    return []


def _row(unit_id: str, need_id: str, values: dict[str, Any]) -> Upsert:
    return Upsert(ITEMS.name, {"unit_id": unit_id, "need_id": need_id}, values)


PROJECTION = Projection(
    name="inbox", version=1, topics=(NEEDS_TOPIC,), tables=(ITEMS,), apply=apply
)


async def open_needs(reader: RowReader, unit_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """The open needs `unit_id` was matched to, newest first."""
    columns = ", ".join(c.name for c in ITEMS.columns)
    return await reader.fetch(
        f"SELECT {columns} FROM inbox_items WHERE unit_id = $1 AND status = 'open' "
        "ORDER BY posted_at DESC, need_id LIMIT $2",
        [unit_id, limit],
        ITEMS.types,
    )
