"""What `/v1/contracts` answers: a contract with its amounts, deliveries and signatures."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from marketplace.aggregates.contract import Contract
from marketplace.api.schemas import money, number


class SignatureOut(BaseModel):
    unit_id: str
    signed_at: datetime


class ContractOut(BaseModel):
    id: str
    need_id: str
    offer_id: str
    demand_unit_id: str
    supply_unit_id: str
    business_type: str
    status: str
    item_code: str
    quantity: str
    unit_price: str
    amount: str
    delivered_quantity: str
    delivered_amount: str
    signatures: list[SignatureOut] = Field(description="Who has signed and when, in order.")

    @classmethod
    def of(cls, c: Contract) -> ContractOut:
        return cls(
            id=c.id,
            need_id=c.need_id,
            offer_id=c.offer_id,
            demand_unit_id=c.demand_unit_id,
            supply_unit_id=c.supply_unit_id,
            business_type=c.business_type,
            status=c.status.value,
            item_code=c.item_code,
            quantity=number(c.quantity),
            unit_price=money(c.unit_price),
            amount=money(c.amount),
            delivered_quantity=number(c.delivered_quantity),
            delivered_amount=money(c.delivered_amount),
            signatures=[SignatureOut(unit_id=u, signed_at=t) for u, t in c.signatures.items()],
        )
