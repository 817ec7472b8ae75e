"""What a need's posting gives every read model that lists needs (never its budget)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from marketplace.events.public.needs import NeedSpecV1
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
    }


def quantity_text(quantity: str) -> str:
    """A quantity as the need's own view writes it (`1200.50` → `1200.5`), so lists agree."""
    return format(Decimal(quantity).normalize(), "f")
