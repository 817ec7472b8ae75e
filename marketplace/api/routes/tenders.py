"""`/v1/needs/{id}/tender`, `/v1/tenders`: invitation compliance, sealed bids, ranking, award;
and `/v1/projections/invitation-compliance`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.tender import Tender, TenderStatus
from marketplace.api.answers import (
    BidCreated,
    ComplianceExceptionsOut,
    ComplianceOut,
    TenderAwarded,
    TenderLaunched,
)
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.projection_queries import ComplianceDep, ComplianceExceptionsDep
from marketplace.api.schemas import Strict, money
from marketplace.handlers import analytics, tenders
from marketplace.inputs import (
    Day,
    Identifier,
    LongText,
    Moment,
    Money,
    Percent,
    ShortText,
    UnitId,
)
from marketplace.projections import invitation_compliance

router = APIRouter(tags=["tenders"])


class TenderIn(Strict):
    invitees: list[UnitId] = Field(max_length=200)
    bid_deadline: Moment
    evaluation: Literal["lowest_price"] = "lowest_price"
    internal_preference_margin_pct: Percent = Decimal(0)
    omission_filing: LongText | None = Field(default=None, min_length=1, max_length=2000)


class BidIn(Strict):
    supplier_unit_id: UnitId | None = None
    external_supplier: ShortText | None = Field(default=None, min_length=1, max_length=300)
    amount: Money
    delivery_date: Day

    @model_validator(mode="after")
    def one_bidder(self) -> BidIn:
        if (self.supplier_unit_id is None) == (self.external_supplier is None):
            raise ValueError("give exactly one of supplier_unit_id and external_supplier")
        return self


class TenderAwardIn(Strict):
    bid_id: Identifier
    justification: LongText | None = Field(default=None, min_length=1, max_length=2000)


class TenderOut(BaseModel):
    id: str
    need_id: str
    status: str
    invitees: list[str]
    required_suppliers: list[str]
    missing_catalog_suppliers: list[str]
    omission_filing: str | None
    compliance: str
    bid_deadline: datetime
    bid_count: int
    ranking: list[dict[str, Any]] = Field(description="Empty until the bids are opened.")

    @classmethod
    def of(cls, t: Tender) -> TenderOut:
        ranking = (
            []
            if t.status is TenderStatus.OPEN
            else [
                {
                    **p,
                    "supplier_unit_id" if p["internal"] else "external_supplier": p[
                        "bidder"
                    ].removeprefix("external:"),
                    "amount": money(Decimal(p["amount"])),
                }
                for p in t.ranking
            ]
        )
        return cls(
            id=t.id,
            need_id=t.need_id,
            status=t.status.value,
            invitees=t.invitees,
            required_suppliers=t.required_suppliers,
            missing_catalog_suppliers=t.missing_catalog_suppliers,
            omission_filing=t.omission_filing,
            compliance=t.compliance,
            bid_deadline=t.bid_deadline,
            bid_count=t.bid_count,
            ranking=ranking,
        )


@router.post(
    "/v1/needs/{need_id}/tender",
    status_code=status.HTTP_201_CREATED,
    response_model=TenderLaunched,
)
def launch(
    need_id: str, body: TenderIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Launch a tender on a `tender` need; catalog suppliers must be invited or filed."""
    t = tenders.launch_tender(
        svc,
        principal,
        need_id,
        body.invitees,
        body.bid_deadline,
        body.evaluation,
        body.internal_preference_margin_pct,
        body.omission_filing,
    )
    return {
        "tender_id": t.id,
        "compliance": t.compliance,
        "missing_catalog_suppliers": t.missing_catalog_suppliers,
    }


@router.get("/v1/tenders/{tender_id}", response_model=TenderOut)
def get_tender(tender_id: str, svc: ServicesDep, principal: PrincipalDep) -> TenderOut:
    """A tender: before opening only how many bids exist; afterwards the ranking."""
    tender = tenders.load_tender(svc, tender_id)
    tenders.may_read(svc, principal, tender)
    return TenderOut.of(tender)


@router.post(
    "/v1/tenders/{tender_id}/bids", status_code=status.HTTP_201_CREATED, response_model=BidCreated
)
def bid(tender_id: str, body: BidIn, svc: ServicesDep, principal: PrincipalDep) -> dict[str, str]:
    """A sealed bid: an invited supplier for itself, or the demand unit for an external one."""
    made = tenders.submit_bid(
        svc,
        principal,
        tender_id,
        body.supplier_unit_id,
        body.external_supplier,
        body.amount,
        body.delivery_date,
    )
    return {"bid_id": made.id, "commitment": made.commitment}


@router.post("/v1/tenders/{tender_id}/open", response_model=TenderOut)
def open_bids(tender_id: str, svc: ServicesDep, principal: PrincipalDep) -> TenderOut:
    """Open the bids after the deadline (the demand unit): revealed and ranked."""
    return TenderOut.of(tenders.open_bids(svc, principal, tender_id))


@router.post(
    "/v1/tenders/{tender_id}/award",
    status_code=status.HTTP_201_CREATED,
    response_model=TenderAwarded,
)
def award(
    tender_id: str, body: TenderAwardIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Award a ranked bid; an external one over a first-ranked internal bid needs a reason."""
    _, contract = tenders.award_tender(svc, principal, tender_id, body.bid_id, body.justification)
    return {"contract_id": contract.id if contract else None, "external": contract is None}


@router.get("/v1/projections/invitation-compliance", response_model=ComplianceOut)
async def compliance(
    svc: ServicesDep, runtime: ProjectionsDep, principal: PrincipalDep, query: ComplianceDep
) -> dict[str, Any]:
    """Per demand unit or platform: tenders for catalog items, compliant, exception_filed, rate."""
    analytics.require_analyst(principal)
    reader = await runtime.reader(invitation_compliance.PROJECTION.name)
    return await query.answer(reader, svc.zone)


@router.get(
    "/v1/projections/invitation-compliance/exceptions", response_model=ComplianceExceptionsOut
)
async def compliance_exceptions(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    query: ComplianceExceptionsDep,
) -> dict[str, Any]:
    """Tenders launched with a filed omission and its reason (for HQ's review)."""
    analytics.require_analyst(principal)
    reader = await runtime.reader(invitation_compliance.PROJECTION.name)
    return await query.answer(reader, svc.zone)
