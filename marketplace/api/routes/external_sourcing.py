"""`/v1/external-sourcing`: the superior decides a request to buy outside the group."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from marketplace.api.answers import (
    ExternalDecisionOut,
)
from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.need_schemas import (
    ReasonIn,
)
from marketplace.handlers import external_sourcing

router = APIRouter(tags=["needs and offers"])


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
