"""Special-task directives (paper §3.3): a superior approves a directive business between units."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate


class Directive(MarketAggregate):
    """An approved special task: who supplies whom with what, on a superior's authority."""

    @classmethod
    def approve(
        cls,
        directive_id: str,
        demand_unit_id: str,
        supply_unit_id: str,
        item_code: str,
        quantity: Decimal,
        rationale: str,
        approver_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> Directive:
        if demand_unit_id == supply_unit_id:
            raise DomainError("self_supply", "A directive names two different units.")
        return cls(
            id=directive_id,
            demand_unit_id=demand_unit_id,
            supply_unit_id=supply_unit_id,
            item_code=item_code,
            quantity=str(quantity),
            rationale=rationale,
            approver_unit_id=approver_unit_id,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Approved")
    def __init__(
        self,
        id: str,
        demand_unit_id: str,
        supply_unit_id: str,
        item_code: str,
        quantity: str,
        rationale: str,
        approver_unit_id: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.demand_unit_id = demand_unit_id
        self.supply_unit_id = supply_unit_id
        self.item_code = item_code
        self.quantity = Decimal(quantity)
        self.rationale = rationale
        self.approver_unit_id = approver_unit_id
