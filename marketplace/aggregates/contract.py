"""Contracts between two group units, as an award creates them (their later life: next issue)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, MarketAggregate


class ContractStatus(StrEnum):
    AWAITING_SIGNATURES = "awaiting_signatures"
    PRICING = "pricing"
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class Contract(MarketAggregate):
    """Created by an award. A special task starts in `pricing` (its price is negotiated, §3.3)."""

    @classmethod
    def award(
        cls,
        contract_id: str,
        need_id: str,
        offer_id: str,
        demand_unit_id: str,
        supply_unit_id: str,
        business_type: str,
        item_code: str,
        quantity: Decimal,
        unit_price: Decimal,
        parties: dict[str, str],
        actor: Actor,
        timestamp: datetime,
    ) -> Contract:
        """`parties`: both units' platforms and sectors as they are now (for projections)."""
        return cls(
            id=contract_id,
            need_id=need_id,
            offer_id=offer_id,
            demand_unit_id=demand_unit_id,
            supply_unit_id=supply_unit_id,
            business_type=business_type,
            item_code=item_code,
            quantity=str(quantity),
            unit_price=str(unit_price),
            amount=str((unit_price * quantity).quantize(Decimal("0.01"))),
            status=(
                ContractStatus.PRICING
                if business_type == "special_task"
                else ContractStatus.AWAITING_SIGNATURES
            ).value,
            parties=parties,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Created")
    def __init__(
        self,
        id: str,
        need_id: str,
        offer_id: str,
        demand_unit_id: str,
        supply_unit_id: str,
        business_type: str,
        item_code: str,
        quantity: str,
        unit_price: str,
        amount: str,
        status: str,
        parties: dict[str, str],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.need_id = need_id
        self.offer_id = offer_id
        self.demand_unit_id = demand_unit_id
        self.supply_unit_id = supply_unit_id
        self.business_type = business_type
        self.item_code = item_code
        self.quantity = Decimal(quantity)
        self.unit_price = Decimal(unit_price)
        self.amount = Decimal(amount)
        self.status = ContractStatus(status)
        self.parties = parties
        self.delivered_quantity = Decimal(0)
        self.delivered_amount = Decimal(0)
