"""What a need gives every read model that lists needs: its posting (never its budget) and
its status, by the aggregate's own rule."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from marketplace.aggregates.need_status import NeedProgress, NeedStep, need_progress
from marketplace.events.public.needs import (
    NeedAwardedV1,
    NeedCancelledV1,
    NeedClosedExternalV1,
    NeedPostedV1,
    NeedPostedV2,
    NeedSpecV1,
    NeedTenderConcludedV1,
    NeedTenderStartedV1,
)
from marketplace.events.public.payload import Payload
from marketplace.projections.tables import Column, ColumnType

TEXT = ColumnType.TEXT

SUMMARY_COLUMNS = (
    Column("demand_unit_id", TEXT),
    Column("title", TEXT),
    Column("category", TEXT),
    Column("subcategory", TEXT),
    Column("item_code", TEXT),
    Column("quantity", TEXT),
    Column("uom", TEXT),
    Column("required_by", TEXT),
    Column("business_type", TEXT),
    Column("sourcing", TEXT),
    Column("posted_at", ColumnType.TIMESTAMP),
    Column("delivery_site", TEXT, nullable=True),  # posted v2 with a location (suppliers ask)
)


def summary_values(spec: NeedSpecV1, posted_at: datetime) -> dict[str, Any]:
    return {
        "demand_unit_id": spec.demand_unit_id,
        "title": spec.title,
        "category": spec.category,
        "subcategory": spec.subcategory,
        "item_code": spec.item_code,
        "quantity": quantity_text(spec.quantity),
        "uom": spec.uom,
        "required_by": spec.required_by.isoformat(),
        "business_type": spec.business_type,
        "sourcing": spec.sourcing,
        "posted_at": posted_at,
        "delivery_site": location.site
        if (location := getattr(spec, "delivery_location", None)) is not None
        else None,
    }


def quantity_text(quantity: str) -> str:
    """A quantity as the need's own view writes it (`1200.50` → `1200.5`), so lists agree."""
    return format(Decimal(quantity).normalize(), "f")


def progress_of(payload: Payload) -> NeedProgress | None:
    """The status and open quantity a need event sets (see need_status); None if it sets
    neither."""
    match payload:
        case NeedPostedV1() | NeedPostedV2():  # v1: relayed before v2 existed
            return need_progress(NeedStep.POSTED, quantity=Decimal(payload.spec.quantity))
        case NeedAwardedV1():
            return need_progress(NeedStep.AWARDED)
        case NeedCancelledV1():
            return need_progress(NeedStep.CANCELLED)
        case NeedTenderStartedV1():
            return need_progress(NeedStep.TENDER_STARTED)
        case NeedTenderConcludedV1():
            return need_progress(NeedStep.TENDER_CONCLUDED, internal=payload.internal)
        case NeedClosedExternalV1():
            remaining = Decimal(payload.remaining_quantity)
            return need_progress(NeedStep.CLOSED_EXTERNAL, quantity=remaining)
    return None
