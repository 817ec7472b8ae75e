"""`/v1/external-sourcing`: the superior lists and decides requests to buy outside the group."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import ReasonIn
from marketplace.handlers import external_sourcing, lists
from marketplace.inputs import UnitId

router = APIRouter(prefix="/v1/external-sourcing", tags=["needs and offers"])


class ExternalDecisionOut(BaseModel):
    request_id: str
    status: str = Field(examples=["approved", "rejected"])
    reason: str | None = Field(default=None, description="Why it was rejected.")


class ExternalRequestListItem(BaseModel):
    request_id: str
    need_id: str
    demand_unit_id: str
    title: str = Field(description="The need's title.")
    item_code: str
    need_quantity: str = Field(description="The need's quantity as posted.")
    uom: str
    ground: str = Field(examples=["not_available_internally"])
    justification: str
    quantity: str | None = Field(description="Ground 2: the part that may go outside.")
    status: str = Field(examples=["requested", "approved", "rejected", "used"])
    requested_at: datetime
    requested_by_unit_id: str | None
    decided_at: datetime | None
    decided_by_unit_id: str | None = Field(description="The approving or rejecting unit.")
    reason: str | None = Field(description="Why it was rejected.")


class ExternalRequestListOut(Paged):
    items: list[ExternalRequestListItem]


@router.get("", response_model=ExternalRequestListOut)
async def list_external(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="The needs' demand unit.")] = None,
    status: Annotated[
        Literal["requested", "approved", "rejected", "used"] | None,
        Query(description="`requested`: awaiting a decision; `used`: approved and bought."),
    ] = None,
) -> ExternalRequestListOut:
    """Requests to buy outside the group, newest first, whose need's demand unit is the unit
    (default: any within reach). For the unit's operators, its platform admins (their
    subtree), HQ and auditors."""
    found = await lists.external_sourcing_requests(svc, principal, runtime, unit_id, status, page)
    items = [ExternalRequestListItem.model_validate(r) for r in found.items]
    return ExternalRequestListOut(items=items, next_cursor=found.next_cursor)


@router.post("/{request_id}/approve", response_model=ExternalDecisionOut)
def approve_external(request_id: str, svc: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    """Approve buying outside (the demand unit's platform admin, or HQ)."""
    need = external_sourcing.decide_external(svc, principal, request_id, True, None)
    return {"request_id": request_id, "status": need.requests[request_id].status}


@router.post("/{request_id}/reject", response_model=ExternalDecisionOut)
def reject_external(
    request_id: str, body: ReasonIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Refuse buying outside, with a reason (the demand unit's platform admin, or HQ)."""
    need = external_sourcing.decide_external(svc, principal, request_id, False, body.reason)
    r = need.requests[request_id]
    return {"request_id": request_id, "status": r.status, "reason": r.reason}
