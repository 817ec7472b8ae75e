"""`/v1/needs`: post, read, list, offer on, award, cancel, source outside, put out to tender."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.need import DeliveryLocation, Ground, Need, NeedSpec
from marketplace.aggregates.offer import Offer
from marketplace.aggregates.taxonomy import allowed_subcategories, is_known
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import (
    DeliveryLocationIn,
    NeedSummary,
    OfferOut,
    ReasonIn,
    Strict,
    money,
    number,
)
from marketplace.handlers import external_sourcing, lists, needs, tenders
from marketplace.handlers.auth import Principal
from marketplace.handlers.catalog_entry import Category
from marketplace.handlers.ports import Services
from marketplace.inputs import (
    Day,
    Identifier,
    ItemCode,
    LongText,
    Moment,
    Money,
    Percent,
    Quantity,
    ShortText,
    UnitId,
)

router = APIRouter(prefix="/v1/needs")
# Tags by route: a need's tender is documented with the tenders.


class NeedIn(Strict):
    demand_unit_id: UnitId = Field(examples=["HEAT-01"])
    title: ShortText = Field(min_length=1, max_length=300)
    category: Category
    subcategory: ShortText = Field(min_length=1, max_length=64)
    item_code: ItemCode = Field(examples=["STEAM-LP"])
    quantity: Quantity
    uom: ShortText = Field(min_length=1, max_length=32)
    required_by: Day
    budget_amount: Money = Field(examples=["185000.00"])
    business_type: Literal["regular", "special_task"]
    directive_id: Identifier | None = None
    sourcing: Literal["direct", "tender"]
    delivery_location: DeliveryLocationIn | None = Field(
        default=None, description="Where to deliver (optional; suppliers price freight by it)."
    )
    lead_id: Identifier | None = Field(
        default=None,
        description="The exchange visit's lead the need came from (a held visit's lead; "
        "an unknown one → 409 `unknown_lead`; the demand unit must be the visit's host or a "
        "visitor, or under one of them, else 409 `lead_not_of_unit`).",
    )

    @model_validator(mode="after")
    def subcategory_of_category(self) -> NeedIn:
        if not is_known(self.category, self.subcategory):
            allowed = ", ".join(allowed_subcategories(self.category))
            raise ValueError(
                f"unknown subcategory {self.subcategory!r} for {self.category}; allowed: {allowed}"
            )
        return self

    def spec(self) -> NeedSpec:
        location = self.delivery_location
        return NeedSpec(
            **self.model_dump(exclude={"delivery_location"}),
            delivery_location=None
            if location is None
            else DeliveryLocation(**location.model_dump()),
        )


class OfferIn(Strict):
    supplier_unit_id: UnitId
    unit_price: Money = Field(examples=["182.00"])
    quantity: Quantity
    delivery_date: Day
    valid_until: Moment


class AwardIn(Strict):
    offer_id: Identifier


class ExternalSourcingIn(Strict):
    ground: Ground
    justification: LongText = Field(min_length=1, max_length=2000)
    quantity: Quantity | None = None


class CloseExternalIn(Strict):
    external_supplier: ShortText | None = Field(default=None, min_length=1, max_length=300)


class NeedOut(BaseModel):
    id: str
    status: str
    demand_unit_id: str
    title: str
    category: str
    subcategory: str
    item_code: str
    quantity: str
    open_quantity: str
    uom: str
    required_by: date
    budget_amount: str | None = Field(description="Shown to the demand side only.")
    business_type: str
    directive_id: str | None
    sourcing: str
    delivery_location: dict[str, str | None] | None = Field(
        description="`{site, address}`; null when not stated (always, for needs posted before "
        "locations were asked for)."
    )
    lead_id: str | None = Field(
        default=None, description="The exchange visit's lead the need came from, if any."
    )
    pool_id: str | None = Field(
        default=None,
        description="The joint procurement whose total the need is, if any: its award makes "
        "one contract per member (`GET /v1/joint-procurements/{id}`).",
    )
    catalog_version_id: str | None
    matches: list[dict[str, Any]]
    offers: list[OfferOut]
    external_sourcing: list[dict[str, Any]]
    external_purchases: list[dict[str, Any]]
    contract_id: str | None
    tender_id: str | None = Field(description="The tender once one is launched for the need.")
    posted_at: datetime

    @classmethod
    def of(cls, need: Need, offers: list[Offer], now: datetime, demand_side: bool) -> NeedOut:
        spec = need.spec
        return cls(
            id=need.id,
            status=need.status.value,
            demand_unit_id=spec.demand_unit_id,
            title=spec.title,
            category=spec.category,
            subcategory=spec.subcategory,
            item_code=spec.item_code,
            quantity=number(spec.quantity),
            open_quantity=number(need.open_quantity),
            uom=spec.uom,
            required_by=spec.required_by,
            budget_amount=money(spec.budget_amount) if demand_side else None,
            business_type=spec.business_type,
            directive_id=spec.directive_id,
            sourcing=spec.sourcing,
            delivery_location=(
                None if spec.delivery_location is None else vars(spec.delivery_location)
            ),
            lead_id=spec.lead_id,
            pool_id=spec.pool_id,
            catalog_version_id=need.catalog_version_id,
            matches=[vars(m) for m in need.matches],
            offers=[OfferOut.of(o, now) for o in offers],
            external_sourcing=[
                {
                    "request_id": r.request_id,
                    "ground": r.ground.value,
                    "justification": r.justification,
                    "quantity": None if r.quantity is None else number(r.quantity),
                    "status": r.status,
                    "reason": r.reason,
                }
                for r in need.requests.values()
            ],
            external_purchases=need.external_purchases,
            contract_id=need.contract_id,
            tender_id=need.tender_id,
            posted_at=need.posted_at,
        )


class NeedListItem(NeedSummary):
    open_quantity: str = Field(description="What is still to be sourced (after external closes).")
    status: str
    matched_suppliers: int = Field(description="Catalog suppliers matched when it was posted.")
    offers: int = Field(description="Offers received and not withdrawn.")
    contract_id: str | None


class NeedListOut(Paged):
    demand_unit_id: str
    items: list[NeedListItem]


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


class TenderLaunched(BaseModel):
    tender_id: str
    compliance: str = Field(examples=["compliant", "exception_filed"])
    missing_catalog_suppliers: list[str]


class TenderIn(Strict):
    invitees: list[UnitId] = Field(max_length=200)
    bid_deadline: Moment
    evaluation: Literal["lowest_price"] = "lowest_price"
    internal_preference_margin_pct: Percent | None = Field(
        default=None,
        description="Left out (or null): the group rules' default in force (`GET /v1/rules`).",
    )
    omission_filing: LongText | None = Field(default=None, min_length=1, max_length=2000)


def need_view(svc: Services, principal: Principal, need_id: str) -> NeedOut:
    read = needs.read_need(svc, principal, need_id)
    return NeedOut.of(read.need, read.offers, svc.clock(), read.demand_side)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=NeedOut, tags=["needs and offers"]
)
def post_need(body: NeedIn, svc: ServicesDep, principal: PrincipalDep) -> NeedOut:
    """Post a need as the demand unit; it is matched to the catalog suppliers in force."""
    need = needs.post_need(svc, principal, body.spec())
    return need_view(svc, principal, need.id)


@router.get("", response_model=NeedListOut, tags=["needs and offers"])
async def list_needs(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    demand_unit_id: Annotated[
        UnitId | None, Query(description="Default: the token's unit.")
    ] = None,
    status: Annotated[
        Literal["open", "tendering", "awarded", "closed_external", "cancelled"] | None,
        Query(description="Only needs of this status."),
    ] = None,
) -> NeedListOut:
    """A demand unit's needs, newest first, with their status, offers and contract (no budgets).

    For the unit's operators, its platform admins, HQ and auditors.
    """
    board = await lists.unit_needs(svc, principal, runtime, demand_unit_id, status, page)
    items = [NeedListItem.model_validate(r) for r in board.found.items]
    return NeedListOut(
        demand_unit_id=board.unit_id, items=items, next_cursor=board.found.next_cursor
    )


@router.get("/{need_id}", response_model=NeedOut, tags=["needs and offers"])
def get_need(need_id: str, svc: ServicesDep, principal: PrincipalDep) -> NeedOut:
    """A need; its offers show to the demand side in full, to a supplier only its own."""
    return need_view(svc, principal, need_id)


@router.post(
    "/{need_id}/offers",
    status_code=status.HTTP_201_CREATED,
    response_model=OfferCreated,
    tags=["needs and offers"],
)
def submit_offer(
    need_id: str, body: OfferIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    """Offer on a need, as a supplier unit (one open offer per supplier)."""
    terms = needs.OfferTerms(body.unit_price, body.quantity, body.delivery_date, body.valid_until)
    offer = needs.submit_offer(svc, principal, need_id, body.supplier_unit_id, terms)
    return {"offer_id": offer.id}


@router.post(
    "/{need_id}/award",
    status_code=status.HTTP_201_CREATED,
    response_model=ContractCreated,
    tags=["needs and offers"],
)
def award(need_id: str, body: AwardIn, svc: ServicesDep, principal: PrincipalDep) -> dict[str, str]:
    """Award the need to an offer (the demand unit); creates the contract."""
    contract = needs.award(svc, principal, need_id, body.offer_id)
    return {"contract_id": contract.id}


@router.post("/{need_id}/cancel", response_model=NeedOut, tags=["needs and offers"])
def cancel(need_id: str, body: ReasonIn, svc: ServicesDep, principal: PrincipalDep) -> NeedOut:
    """Cancel an open need (the demand unit)."""
    needs.cancel_need(svc, principal, need_id, body.reason)
    return need_view(svc, principal, need_id)


@router.post(
    "/{need_id}/external-sourcing",
    status_code=status.HTTP_201_CREATED,
    response_model=ExternalRequestOut,
    tags=["needs and offers"],
)
def request_external(
    need_id: str, body: ExternalSourcingIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Ask to buy outside the group on one of the four grounds (the demand unit)."""
    need, request_id = external_sourcing.request_external(
        svc, principal, need_id, body.ground, body.justification, body.quantity
    )
    request = need.requests[request_id]
    return {
        "request_id": request_id,
        "need_id": need_id,
        "status": request.status,
        "ground": request.ground.value,
        "quantity": None if request.quantity is None else number(request.quantity),
    }


@router.post("/{need_id}/close-external", response_model=NeedOut, tags=["needs and offers"])
def close_external(
    need_id: str, svc: ServicesDep, principal: PrincipalDep, body: CloseExternalIn | None = None
) -> NeedOut:
    """Record the purchase outside the group (needs an approval when catalog suppliers exist)."""
    supplier = body.external_supplier if body else None
    external_sourcing.close_external(svc, principal, need_id, supplier)
    return need_view(svc, principal, need_id)


@router.post(
    "/{need_id}/tender",
    status_code=status.HTTP_201_CREATED,
    response_model=TenderLaunched,
    tags=["tenders"],
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
