"""`/v1/external-sourcing`: the superior decides a request to buy outside the group."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.schemas import ReasonIn
from marketplace.handlers import external_sourcing

router = APIRouter(prefix="/v1/external-sourcing", tags=["needs and offers"])


class ExternalDecisionOut(BaseModel):
    request_id: str
    status: str = Field(examples=["approved", "rejected"])
    reason: str | None = Field(default=None, description="Why it was rejected.")


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
