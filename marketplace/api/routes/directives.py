"""`/v1/directives`: HQ or a platform approves a special task between two units."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from marketplace.api.answers import (
    DirectiveOut,
)
from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.need_schemas import (
    DirectiveIn,
)
from marketplace.api.schemas import number
from marketplace.handlers import needs

router = APIRouter(tags=["needs and offers"])


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
