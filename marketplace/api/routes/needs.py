"""`/v1/needs`, `/v1/offers`, `/v1/inbox`, `/v1/external-sourcing`, `/v1/contracts`,
`/v1/directives`: the internal market's main path from need to contract."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from marketplace.aggregates.need import NeedSpec
from marketplace.api.answers import (
    ContractCreated,
    DirectiveOut,
    ExternalDecisionOut,
    ExternalRequestOut,
    OfferCreated,
)
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.need_schemas import (
    AwardIn,
    CloseExternalIn,
    DirectiveIn,
    ExternalSourcingIn,
    InboxItem,
    InboxOut,
    NeedIn,
    NeedListItem,
    NeedListOut,
    NeedOut,
    OfferIn,
    OfferOut,
    OfferRevisionIn,
    ReasonIn,
    number,
)
from marketplace.api.pages import PageDep
from marketplace.handlers import external_sourcing, needs
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.inputs import UnitId
from marketplace.projections import inbox, needs_board

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
    unit = needs.needs_list_unit(svc, principal, demand_unit_id)
    reader = await runtime.reader(needs_board.PROJECTION.name)
    found = await needs_board.needs_of(reader, unit, status, page)
    items = [NeedListItem.model_validate(r) for r in found.items]
    return NeedListOut(demand_unit_id=unit, items=items, next_cursor=found.next_cursor)


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


@router.post("/v1/offers/{offer_id}/revise", response_model=OfferOut)
def revise_offer(
    offer_id: str, body: OfferRevisionIn, svc: ServicesDep, principal: PrincipalDep
) -> OfferOut:
    """Revise one's own open offer before the award."""
    terms = needs.OfferTerms(body.unit_price, body.quantity, body.delivery_date, body.valid_until)
    return OfferOut.of(needs.revise_offer(svc, principal, offer_id, terms), svc.clock())


@router.post("/v1/offers/{offer_id}/withdraw", response_model=OfferOut)
def withdraw_offer(offer_id: str, svc: ServicesDep, principal: PrincipalDep) -> OfferOut:
    """Withdraw one's own open offer."""
    return OfferOut.of(needs.withdraw_offer(svc, principal, offer_id), svc.clock())


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


@router.post("/v1/external-sourcing/{request_id}/approve", response_model=ExternalDecisionOut)
def approve_external(request_id: str, svc: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    """Approve buying outside (the demand unit's platform admin, or HQ)."""
    need = external_sourcing.decide_external(svc, principal, request_id, True, None)
    return {"request_id": request_id, "status": need.requests[request_id].status}


@router.post("/v1/external-sourcing/{request_id}/reject", response_model=ExternalDecisionOut)
def reject_external(
    request_id: str, body: ReasonIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Refuse buying outside, with a reason (the demand unit's platform admin, or HQ)."""
    need = external_sourcing.decide_external(svc, principal, request_id, False, body.reason)
    r = need.requests[request_id]
    return {"request_id": request_id, "status": r.status, "reason": r.reason}


@router.post("/v1/needs/{need_id}/close-external", response_model=NeedOut)
def close_external(
    need_id: str, svc: ServicesDep, principal: PrincipalDep, body: CloseExternalIn | None = None
) -> NeedOut:
    """Record the purchase outside the group (needs an approval when catalog suppliers exist)."""
    supplier = body.external_supplier if body else None
    external_sourcing.close_external(svc, principal, need_id, supplier)
    return need_view(svc, principal, need_id)


@router.get("/v1/inbox", response_model=InboxOut)
async def get_inbox(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="Default: the token's unit.")] = None,
) -> InboxOut:
    """Needs the unit can act on now, newest first, each saying what it can do.

    `offer`: an open need it was matched to as a catalog supplier; `bid`: a tender it is
    invited to (catalog supplier or not), until the bid deadline. A need leaves the inbox
    once the unit can do nothing more on it (awarded, cancelled, bought outside, bids closed).
    """
    unit = needs.inbox_unit(svc, principal, unit_id)
    reader = await runtime.reader(inbox.PROJECTION.name)
    found = await inbox.actionable(reader, unit, svc.clock(), page)
    items = [InboxItem.model_validate(r) for r in found.items]
    return InboxOut(unit_id=unit, items=items, next_cursor=found.next_cursor)


@router.post("/v1/directives", status_code=status.HTTP_201_CREATED, response_model=DirectiveOut)
def issue_directive(body: DirectiveIn, svc: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    """Approve a special task (HQ, or a platform admin over both units)."""
    d = needs.issue_directive(
        svc,
        principal,
        body.demand_unit_id,
        body.supply_unit_id,
        body.item_code,
        body.quantity,
        body.rationale,
    )
    return {
        "id": d.id,
        "status": "approved",
        "demand_unit_id": d.demand_unit_id,
        "supply_unit_id": d.supply_unit_id,
        "item_code": d.item_code,
        "quantity": number(d.quantity),
    }
