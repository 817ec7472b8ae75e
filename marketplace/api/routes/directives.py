"""`/v1/directives`: HQ or a platform approves a special task between two units."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.schemas import Strict, number
from marketplace.handlers import needs
from marketplace.inputs import ItemCode, LongText, Quantity, UnitId

router = APIRouter(prefix="/v1/directives", tags=["needs and offers"])


class DirectiveOut(BaseModel):
    id: str
    status: str = Field(examples=["approved"])
    demand_unit_id: str
    supply_unit_id: str
    item_code: str
    quantity: str


class DirectiveIn(Strict):
    demand_unit_id: UnitId
    supply_unit_id: UnitId
    item_code: ItemCode
    quantity: Quantity
    rationale: LongText = Field(min_length=1, max_length=2000)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DirectiveOut)
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
