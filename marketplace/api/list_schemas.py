"""Answers of the lists of what concerns a unit: tenders, contracts, incidents, disputes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from marketplace.api.pages import Paged
from marketplace.api.schemas import money, number


class TenderListItem(BaseModel):
    id: str
    need_id: str
    demand_unit_id: str
    item_code: str
    status: str = Field(examples=["open", "opened", "awarded"])
    compliance: str = Field(examples=["compliant", "exception_filed"])
    invitees: list[str]
    bid_deadline: datetime
    bid_count: int = Field(description="How many bids exist (never their amounts).")
    launched_at: datetime
    my_bid: str | None = Field(
        description="Whether the viewing unit (`invited_unit_id`, else the token's unit) has "
        "bid: `none` or `submitted`; null when that unit is not invited. Never an amount.",
        examples=["none", "submitted"],
    )

    @classmethod
    def of(cls, row: dict[str, Any], my_bid: str | None) -> TenderListItem:
        return cls.model_validate({**row, "id": row["tender_id"], "my_bid": my_bid})


class TenderListOut(Paged):
    items: list[TenderListItem]


class ContractListItem(BaseModel):
    id: str
    need_id: str
    demand_unit_id: str
    supply_unit_id: str
    business_type: str
    item_code: str
    status: str = Field(examples=["awaiting_signatures", "pricing", "active", "completed"])
    quantity: str = Field(examples=["500"])
    amount: str = Field(examples=["92500.00"])
    delivered_quantity: str
    delivered_amount: str
    created_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContractListItem:
        figures = {q: number(Decimal(row[q])) for q in ("quantity", "delivered_quantity")}
        figures |= {a: money(Decimal(row[a])) for a in ("amount", "delivered_amount")}
        return cls.model_validate({**row, **figures, "id": row["contract_id"]})


class ContractListOut(Paged):
    items: list[ContractListItem]


class IncidentListItem(BaseModel):
    incident_id: str
    contract_id: str
    supplier_unit_id: str
    demand_unit_id: str
    kind: str
    severity: str
    status: str = Field(examples=["open", "resolved"])
    automatic: bool = Field(description="Recorded by a late delivery rather than by a person.")
    occurred_at: datetime
    recorded_at: datetime
    dispute_id: str | None = Field(description="The dispute it was escalated to, if any.")


class IncidentListOut(Paged):
    items: list[IncidentListItem]


class DisputeListItem(BaseModel):
    id: str
    raiser_unit_id: str
    against_unit_id: str
    subject_type: str
    subject_id: str
    kind: str
    status: str = Field(examples=["negotiating", "in_mediation", "resolved", "settled"])
    mediator_unit_id: str | None
    raised_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> DisputeListItem:
        return cls.model_validate({**row, "id": row["dispute_id"]})


class DisputeListOut(Paged):
    items: list[DisputeListItem]
