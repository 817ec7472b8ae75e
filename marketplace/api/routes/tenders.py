"""`/v1/tenders`: sealed bids, opening and ranking, award; tenders listed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.tender import Tender, TenderStatus
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict, money
from marketplace.handlers import lists, tenders
from marketplace.inputs import (
    Day,
    Identifier,
    LongText,
    Money,
    ShortText,
    UnitId,
)

router = APIRouter(prefix="/v1/tenders", tags=["tenders"])


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


class BidCreated(BaseModel):
    bid_id: str
    commitment: str = Field(description='sha256("amount|nonce"), checkable once opened.')


class TenderAwarded(BaseModel):
    contract_id: str | None = Field(description="null when an external bid won.")
    external: bool


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


@router.get("/{tender_id}", response_model=TenderOut)
def get_tender(tender_id: str, svc: ServicesDep, principal: PrincipalDep) -> TenderOut:
    """A tender: before opening only how many bids exist; afterwards the ranking."""
    tender = tenders.load_tender(svc, tender_id, reading=True)
    tenders.may_read(svc, principal, tender)
    return TenderOut.of(tender)


@router.post("/{tender_id}/bids", status_code=status.HTTP_201_CREATED, response_model=BidCreated)
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


@router.post("/{tender_id}/open", response_model=TenderOut)
def open_bids(tender_id: str, svc: ServicesDep, principal: PrincipalDep) -> TenderOut:
    """Open the bids after the deadline (the demand unit): revealed and ranked."""
    return TenderOut.of(tenders.open_bids(svc, principal, tender_id))


@router.post(
    "/{tender_id}/award",
    status_code=status.HTTP_201_CREATED,
    response_model=TenderAwarded,
)
def award(
    tender_id: str, body: TenderAwardIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Award a ranked bid; an external one over a first-ranked internal bid needs a reason."""
    _, contract = tenders.award_tender(svc, principal, tender_id, body.bid_id, body.justification)
    return {"contract_id": contract.id if contract else None, "external": contract is None}


@router.get("", response_model=TenderListOut)
async def list_tenders(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    invited_unit_id: Annotated[
        UnitId | None,
        Query(
            description="Only tenders this unit is invited to. Default: those where a unit "
            "within reach is the demand unit or invited."
        ),
    ] = None,
    status: Annotated[Literal["open", "opened", "awarded"] | None, Query()] = None,
) -> TenderListOut:
    """Tenders, newest first, each with whether the viewing unit has bid (never an amount).

    For the unit's operators, its platform admins, HQ and auditors: without `invited_unit_id`,
    the tenders where a unit within the token's reach is the demand unit or invited."""
    tenders = await lists.tenders(svc, principal, runtime, invited_unit_id, status, page)
    found, bids = tenders.found, tenders.my_bids
    items = [TenderListItem.of(r, bids.get(str(r["tender_id"]))) for r in found.items]
    return TenderListOut(items=items, next_cursor=found.next_cursor)
