"""A supplier's offer on a need: open until awarded, not awarded, withdrawn, or past valid_until."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate


class OfferStatus(StrEnum):
    OPEN = "open"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # never stored: an open offer read after its valid_until


class Offer(MarketAggregate):
    """Prices are decimals (CNY per unit); validity is judged at the time of each command."""

    @classmethod
    def submit(
        cls,
        offer_id: str,
        need_id: str,
        demand_unit_id: str,
        supplier_unit_id: str,
        unit_price: Decimal,
        quantity: Decimal,
        delivery_date: date,
        valid_until: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> Offer:
        if supplier_unit_id == demand_unit_id:
            raise DomainError("self_supply", "A unit cannot offer on its own need.")
        check_terms(unit_price, quantity, valid_until, timestamp)
        return cls(
            id=offer_id,
            need_id=need_id,
            demand_unit_id=demand_unit_id,
            supplier_unit_id=supplier_unit_id,
            unit_price=str(unit_price),
            quantity=str(quantity),
            delivery_date=delivery_date,
            valid_until=valid_until,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Submitted")
    def __init__(
        self,
        id: str,
        need_id: str,
        demand_unit_id: str,
        supplier_unit_id: str,
        unit_price: str,
        quantity: str,
        delivery_date: date,
        valid_until: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.need_id = need_id
        self.demand_unit_id = demand_unit_id
        self.supplier_unit_id = supplier_unit_id
        self.unit_price = Decimal(unit_price)
        self.quantity = Decimal(quantity)
        self.delivery_date = delivery_date
        self.valid_until = valid_until
        self.status = OfferStatus.OPEN

    def status_at(self, moment: datetime) -> OfferStatus:
        if self.status is OfferStatus.OPEN and moment > self.valid_until:
            return OfferStatus.EXPIRED
        return self.status

    @property
    def amount(self) -> Decimal:
        """What the offer costs as a whole: unit price times quantity, in cents."""
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))

    def check_available(self, moment: datetime) -> None:
        status = self.status_at(moment)
        if status is not OfferStatus.OPEN:
            raise DomainError(
                "offer_not_available",
                f"Offer {self.id!r} is {status.value}.",
                {"offer_id": self.id, "status": status.value},
            )

    def revise(
        self,
        unit_price: Decimal,
        quantity: Decimal,
        delivery_date: date,
        valid_until: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.check_available(timestamp)
        check_terms(unit_price, quantity, valid_until, timestamp)
        self._revised(str(unit_price), str(quantity), delivery_date, valid_until, actor, timestamp)

    def withdraw(self, actor: Actor, timestamp: datetime) -> None:
        if self.status is not OfferStatus.OPEN:
            raise DomainError(
                "offer_not_available",
                f"Offer {self.id!r} is {self.status.value}.",
                {"offer_id": self.id, "status": self.status.value},
            )
        self._withdrawn(actor, timestamp)

    def award(self, contract_id: str, actor: Actor, timestamp: datetime) -> None:
        self.check_available(timestamp)
        self._awarded(contract_id, actor, timestamp)

    def decline(self, awarded_offer_id: str, actor: Actor, timestamp: datetime) -> None:
        """Another offer won the need; only an open (or expired) offer changes."""
        if self.status is OfferStatus.OPEN:
            self._not_awarded(awarded_offer_id, actor, timestamp)

    @event("Revised")
    def _revised(
        self,
        unit_price: str,
        quantity: str,
        delivery_date: date,
        valid_until: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.unit_price = Decimal(unit_price)
        self.quantity = Decimal(quantity)
        self.delivery_date = delivery_date
        self.valid_until = valid_until

    @event("Withdrawn")
    def _withdrawn(self, actor: Actor, timestamp: datetime) -> None:
        self.status = OfferStatus.WITHDRAWN

    @event("Awarded")
    def _awarded(self, contract_id: str, actor: Actor, timestamp: datetime) -> None:
        self.status = OfferStatus.AWARDED

    @event("NotAwarded")
    def _not_awarded(self, awarded_offer_id: str, actor: Actor, timestamp: datetime) -> None:
        self.status = OfferStatus.NOT_AWARDED


def check_terms(
    unit_price: Decimal, quantity: Decimal, valid_until: datetime, timestamp: datetime
) -> None:
    if unit_price <= 0 or quantity <= 0:
        raise DomainError("invalid_terms", "Unit price and quantity must be positive.")
    if valid_until <= timestamp:
        raise DomainError(
            "offer_already_expired",
            "valid_until must be in the future.",
            {"valid_until": valid_until.isoformat()},
        )
