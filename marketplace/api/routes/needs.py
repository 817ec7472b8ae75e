"""`/v1/needs`: post, read and list needs; offer on one, award it, cancel it, source outside."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from marketplace.aggregates.need import NeedSpec
from marketplace.api.answers import (
    ContractCreated,
    ExternalRequestOut,
    OfferCreated,
)
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.need_schemas import (
    AwardIn,
    CloseExternalIn,
    ExternalSourcingIn,
    NeedIn,
    NeedListItem,
    NeedListOut,
    NeedOut,
    OfferIn,
    ReasonIn,
)
from marketplace.api.pages import PageDep
from marketplace.api.schemas import number
from marketplace.handlers import external_sourcing, lists, needs
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.inputs import UnitId

router = APIRouter(tags=["needs and offers"])


def need_view(svc: Services, principal: Principal, need_id: str) -> NeedOut:
    read = needs.read_need(svc, principal, need_id)
    return NeedOut.of(read.need, read.offers, svc.clock(), read.demand_side)


@router.post("/v1/needs", status_code=status.HTTP_201_CREATED, response_model=NeedOut)
def post_need(body: NeedIn, svc: ServicesDep, principal: PrincipalDep) -> NeedOut:
    """Post a need as the demand unit; it is matched to the catalog suppliers in force."""
    need = needs.post_need(svc, principal, NeedSpec(**body.model_dump()))
    return need_view(svc, principal, need.id)


@router.get("/v1/needs", response_model=NeedListOut)
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


@router.get("/v1/needs/{need_id}", response_model=NeedOut)
def get_need(need_id: str, svc: ServicesDep, principal: PrincipalDep) -> NeedOut:
    """A need; its offers show to the demand side in full, to a supplier only its own."""
    return need_view(svc, principal, need_id)


@router.post(
    "/v1/needs/{need_id}/offers", status_code=status.HTTP_201_CREATED, response_model=OfferCreated
)
def submit_offer(
    need_id: str, body: OfferIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    """Offer on a need, as a supplier unit (one open offer per supplier)."""
    terms = needs.OfferTerms(body.unit_price, body.quantity, body.delivery_date, body.valid_until)
    offer = needs.submit_offer(svc, principal, need_id, body.supplier_unit_id, terms)
    return {"offer_id": offer.id}


@router.post(
    "/v1/needs/{need_id}/award",
    status_code=status.HTTP_201_CREATED,
    response_model=ContractCreated,
)
def award(need_id: str, body: AwardIn, svc: ServicesDep, principal: PrincipalDep) -> dict[str, str]:
    """Award the need to an offer (the demand unit); creates the contract."""
    contract = needs.award(svc, principal, need_id, body.offer_id)
    return {"contract_id": contract.id}


@router.post("/v1/needs/{need_id}/cancel", response_model=NeedOut)
def cancel(need_id: str, body: ReasonIn, svc: ServicesDep, principal: PrincipalDep) -> NeedOut:
    """Cancel an open need (the demand unit)."""
    needs.cancel_need(svc, principal, need_id, body.reason)
    return need_view(svc, principal, need_id)


@router.post(
    "/v1/needs/{need_id}/external-sourcing",
    status_code=status.HTTP_201_CREATED,
    response_model=ExternalRequestOut,
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


@router.post("/v1/needs/{need_id}/close-external", response_model=NeedOut)
def close_external(
    need_id: str, svc: ServicesDep, principal: PrincipalDep, body: CloseExternalIn | None = None
) -> NeedOut:
    """Record the purchase outside the group (needs an approval when catalog suppliers exist)."""
    supplier = body.external_supplier if body else None
    external_sourcing.close_external(svc, principal, need_id, supplier)
    return need_view(svc, principal, need_id)
