"""Answers that are ids, or rows of the analysts' read models: documented like every other body."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from marketplace.api.contract_schemas import ContractOut
from marketplace.api.pages import Paged


class ProjectionFailureOut(BaseModel):
    """Where and why a read model stopped (`/v1/projections/status`, `/health`)."""

    position: int | None = Field(description="The event store position of the failing event.")
    error: str
    failed_at: datetime


class OfferCreated(BaseModel):
    offer_id: str


class ContractCreated(BaseModel):
    contract_id: str


class ExternalRequestOut(BaseModel):
    request_id: str
    need_id: str
    status: str = Field(examples=["pending"])
    ground: str
    quantity: str | None = Field(description="The quantity approved for ground 2, if stated.")


class ExternalDecisionOut(BaseModel):
    request_id: str
    status: str = Field(examples=["approved", "rejected"])
    reason: str | None = Field(default=None, description="Why it was rejected.")


class DirectiveOut(BaseModel):
    id: str
    status: str = Field(examples=["approved"])
    demand_unit_id: str
    supply_unit_id: str
    item_code: str
    quantity: str


class TenderLaunched(BaseModel):
    tender_id: str
    compliance: str = Field(examples=["compliant", "exception_filed"])
    missing_catalog_suppliers: list[str]


class BidCreated(BaseModel):
    bid_id: str
    commitment: str = Field(description='sha256("amount|nonce"), checkable once opened.')


class TenderAwarded(BaseModel):
    contract_id: str | None = Field(description="null when an external bid won.")
    external: bool


class DeliveryRecorded(BaseModel):
    contract: ContractOut
    incident_id: str | None = Field(description="The delivery_delay incident a late one records.")


class IncidentCreated(BaseModel):
    incident_id: str


class DisputeCreated(BaseModel):
    dispute_id: str
    status: str = Field(examples=["negotiating"])


class ComplianceRow(BaseModel):
    key: str | None
    tenders: int
    compliant: int
    exception_filed: int
    rate: str = Field(examples=["0.7500"], description="compliant / tenders")


class ComplianceOut(Paged):
    group_by: str
    items: list[ComplianceRow]


class ComplianceException(BaseModel):
    tender_id: str
    need_id: str
    demand_unit_id: str
    demand_platform_id: str
    item_code: str
    launched_at: datetime
    compliance: str
    missing_catalog_suppliers: list[str]
    omission_filing: str | None


class ComplianceExceptionsOut(Paged):
    items: list[ComplianceException]


class TradeVolumeRow(BaseModel):
    key: str | None
    contracts: int
    amount: str
    delivered_amount: str


class TradeVolumeOut(Paged):
    group_by: str
    items: list[TradeVolumeRow]


class SupplierQualityRow(BaseModel):
    supplier_unit_id: str
    incidents: int
    open: int
    by_kind: dict[str, int]
    by_severity: dict[str, int]
    contracts: int
    incidents_per_contract: str | None = Field(description="null without contracts.")


class SupplierQualityOut(Paged):
    items: list[SupplierQualityRow]
