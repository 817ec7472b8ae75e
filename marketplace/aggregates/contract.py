"""Contracts between two group units (paper §3.3): signatures, special-task pricing, deliveries,
completion and termination."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate
from marketplace.aggregates.synergy import BenefitTerms, ReferenceSource, synergy


class ContractStatus(StrEnum):
    AWAITING_SIGNATURES = "awaiting_signatures"
    PRICING = "pricing"
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class TradeForm(StrEnum):
    """How a contract came about (paper section 4 and 1.2.1): an award on a need or tender, a
    call-off under a framework agreement, a member's share of a joint procurement, or the
    booking of a shared resource."""

    ONE_OFF = "one_off"
    FRAMEWORK = "framework"
    JOINT = "joint"
    RESOURCE = "resource"


class Contract(MarketAggregate):
    """Created by an award. A special task starts in `pricing` (its price is negotiated, §3.3).

    Events about money carry the parties' context as it was at the award (`parties`), so the
    trade-volume projection never needs to look a unit up.
    """

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
        *,
        category: str = "",
        delivery_date: date | None = None,
        trade_form: TradeForm = TradeForm.ONE_OFF,
        source_id: str | None = None,
        reference: tuple[Decimal, ReferenceSource] | None = None,
    ) -> Contract:
        """`parties`: both units' platforms and sectors as they are now (for projections);
        `source_id`: what the contract came from when not a need's own award (a framework's
        call-off, a joint procurement, a booking); `reference`: the reference unit price the
        award found and its source (the synergy benefit is measured against it)."""
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
            parties=parties | {"category": category},
            delivery_date=delivery_date,
            actor=actor,
            timestamp=timestamp,
            trade_form=trade_form.value,
            source_id=source_id,
            **_reference_fields(reference),
        )

    @classmethod
    def arrange(
        cls,
        contract_id: str,
        demand_unit_id: str,
        supply_unit_id: str,
        business_type: str,
        item_code: str,
        quantity: Decimal,
        unit_price: Decimal,
        parties: dict[str, str],
        actor: Actor,
        timestamp: datetime,
        *,
        trade_form: TradeForm,
        source_id: str,
        category: str = "",
        delivery_date: date | None = None,
        terms: BenefitTerms | None = None,
    ) -> Contract:
        """A contract both parties agreed to beforehand (a call-off under a signed framework, a
        booking on a listed resource): created active, so it counts as internal trade at once
        and its deliveries, incidents and disputes go as for any contract. It names no need or
        offer (empty ids); `source_id` says what it came from. Its caller's rules have checked
        the quantity and price."""
        contract = cls(
            id=contract_id,
            need_id="",
            offer_id="",
            demand_unit_id=demand_unit_id,
            supply_unit_id=supply_unit_id,
            business_type=business_type,
            item_code=item_code,
            quantity=str(quantity),
            unit_price=str(unit_price),
            amount=str((unit_price * quantity).quantize(Decimal("0.01"))),
            status=ContractStatus.ACTIVE.value,
            parties=parties | {"category": category},
            delivery_date=delivery_date,
            actor=actor,
            timestamp=timestamp,
            trade_form=trade_form.value,
            source_id=source_id,
        )
        contract._activated(
            str(contract.amount), contract.parties, actor, timestamp, contract._synergy(terms)
        )
        return contract

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
        delivery_date: date | None,
        actor: Actor,
        timestamp: datetime,
        # Defaults: contracts stored before trade forms were all awards on needs.
        trade_form: str = TradeForm.ONE_OFF.value,
        source_id: str | None = None,
        # Contracts stored before the synergy benefit have no reference (benefit not claimed).
        reference_unit_price: str | None = None,
        reference_source: str | None = None,
    ) -> None:
        self.need_id = need_id
        self.reference_unit_price = (
            None if reference_unit_price is None else Decimal(reference_unit_price)
        )
        self.reference_source = reference_source
        self.trade_form = TradeForm(trade_form)
        self.source_id = source_id
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
        self.delivery_date = delivery_date
        self.delivered_quantity = Decimal(0)
        self.delivered_amount = Decimal(0)
        self.signed_by: set[str] = set()
        self.signatures: dict[str, datetime] = {}  # party → when it signed, in signing order
        self.proposals: dict[str, Decimal] = {}  # proposing party → its latest amount
        self.pricing_mediator: str | None = None
        self.completion_agreed_by: set[str] = set()

    # ----- queries -------------------------------------------------------------------------

    @property
    def reference(self) -> tuple[Decimal, ReferenceSource] | None:
        """The reference unit price found at the award, and where it came from."""
        if self.reference_unit_price is None or self.reference_source is None:
            return None
        return self.reference_unit_price, ReferenceSource(self.reference_source)

    @property
    def party_ids(self) -> tuple[str, str]:
        return self.demand_unit_id, self.supply_unit_id

    def check_party(self, unit_id: str) -> None:
        if unit_id not in self.party_ids:
            raise DomainError("not_a_party", f"{unit_id!r} is not a party to {self.id!r}.")

    def _require(self, *statuses: ContractStatus) -> None:
        if self.status not in statuses:
            wanted = " or ".join(s.value for s in statuses)
            raise DomainError(
                "contract_status",
                f"Contract {self.id!r} is {self.status.value}, not {wanted}.",
                {"status": self.status.value},
            )

    # ----- signatures ----------------------------------------------------------------------

    def sign(
        self, party: str, actor: Actor, timestamp: datetime, terms: BenefitTerms | None = None
    ) -> None:
        """`terms`: the rules in force now, by which an activation's benefit is split (None:
        the benefit is not recorded; handlers always pass them)."""
        self.check_party(party)
        self._require(ContractStatus.AWAITING_SIGNATURES)
        if party in self.signed_by:
            raise DomainError("already_signed", f"{party!r} has signed already.")
        self._signed(party, actor, timestamp)
        if self.signed_by == set(self.party_ids):
            self._activated(str(self.amount), self.parties, actor, timestamp, self._synergy(terms))

    def _synergy(self, terms: BenefitTerms | None) -> dict[str, Any] | None:
        if terms is None:
            return None
        return synergy(
            self.reference_unit_price,
            self.reference_source,
            self.unit_price,
            self.quantity,
            self.amount,
            terms,
        )

    # ----- special-task pricing ------------------------------------------------------------

    def propose_price(self, party: str, amount: Decimal, actor: Actor, timestamp: datetime) -> None:
        self.check_party(party)
        self._require(ContractStatus.PRICING)
        self._price_proposed(party, str(amount), actor, timestamp)

    def agree_price(self, party: str, amount: Decimal, actor: Actor, timestamp: datetime) -> None:
        """The other party accepts exactly the amount last proposed to it."""
        self.check_party(party)
        self._require(ContractStatus.PRICING)
        other = next(p for p in self.party_ids if p != party)
        if self.proposals.get(other) != amount:
            raise DomainError(
                "no_such_proposal",
                f"{other!r} has not proposed {amount}; agree to its latest "
                "proposal, or propose your own.",
                {
                    "latest_proposal": str(self.proposals.get(other))
                    if other in self.proposals
                    else None
                },
            )
        self._priced(str(amount), "agreement", party, actor, timestamp)

    def escalate_pricing(
        self, party: str, mediator_unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.check_party(party)
        self._require(ContractStatus.PRICING)
        if self.pricing_mediator:
            raise DomainError(
                "already_escalated", f"The price is with {self.pricing_mediator!r} already."
            )
        self._pricing_escalated(party, mediator_unit_id, actor, timestamp)

    def decide_price(
        self, mediator_unit_id: str, amount: Decimal, actor: Actor, timestamp: datetime
    ) -> None:
        self._require(ContractStatus.PRICING)
        if self.pricing_mediator != mediator_unit_id:
            raise DomainError(
                "not_escalated",
                "The price is decided by the superior units only after a party escalated it.",
            )
        self._priced(str(amount), "decision", mediator_unit_id, actor, timestamp)

    # ----- performance ---------------------------------------------------------------------

    def deliver(
        self,
        quantity: Decimal,
        amount: Decimal,
        delivered_at: datetime,
        actor: Actor,
        timestamp: datetime,
    ) -> bool:
        """Record a delivery; returns whether it was late (after the contract's delivery date)."""
        self._require(ContractStatus.ACTIVE)
        if quantity <= 0 or amount <= 0:
            raise DomainError(
                "invalid_delivery", "A delivery has a positive quantity and a positive amount."
            )
        if self.delivered_quantity + quantity > self.quantity:
            raise DomainError(
                "over_delivery",
                f"Delivering {quantity} would exceed the contract's {self.quantity} "
                f"({self.delivered_quantity} delivered).",
                {"open_quantity": str(self.quantity - self.delivered_quantity)},
            )
        late = self.delivery_date is not None and delivered_at.date() > self.delivery_date
        self._delivered(
            str(quantity), str(amount), delivered_at, late, self.parties, actor, timestamp
        )
        return late

    def complete(self, party: str, actor: Actor, timestamp: datetime) -> None:
        """Complete when all is delivered, or when both parties agree to close it early."""
        self.check_party(party)
        self._require(ContractStatus.ACTIVE)
        if self.delivered_quantity >= self.quantity:
            self._completed("delivered", self.parties, actor, timestamp)
            return
        self._completion_agreed(party, actor, timestamp)
        if self.completion_agreed_by == set(self.party_ids):
            self._completed("agreement", self.parties, actor, timestamp)

    def terminate(self, party: str, reason: str, actor: Actor, timestamp: datetime) -> None:
        self.check_party(party)
        self._require(
            ContractStatus.AWAITING_SIGNATURES, ContractStatus.PRICING, ContractStatus.ACTIVE
        )
        self._terminated(reason, str(self.delivered_amount), self.parties, actor, timestamp)

    # ----- events --------------------------------------------------------------------------

    @event("Signed")
    def _signed(self, party_unit_id: str, actor: Actor, timestamp: datetime) -> None:
        self.signed_by.add(party_unit_id)
        self.signatures[party_unit_id] = timestamp

    @event("Activated")
    def _activated(
        self,
        amount: str,
        parties: dict[str, Any],
        actor: Actor,
        timestamp: datetime,
        synergy: dict[str, Any] | None = None,  # None: activated before the benefit was kept
    ) -> None:
        self.status = ContractStatus.ACTIVE

    @event("PriceProposed")
    def _price_proposed(
        self, party_unit_id: str, amount: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.proposals[party_unit_id] = Decimal(amount)

    @event("PricingEscalated")
    def _pricing_escalated(
        self, party_unit_id: str, mediator_unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.pricing_mediator = mediator_unit_id

    @event("Priced")
    def _priced(
        self, amount: str, how: str, by_unit_id: str, actor: Actor, timestamp: datetime
    ) -> None:
        self.amount = Decimal(amount)
        self.unit_price = self.amount / self.quantity
        self.status = ContractStatus.AWAITING_SIGNATURES

    @event("Delivered")
    def _delivered(
        self,
        quantity: str,
        amount: str,
        delivered_at: datetime,
        late: bool,
        parties: dict[str, Any],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.delivered_quantity += Decimal(quantity)
        self.delivered_amount += Decimal(amount)

    @event("CompletionAgreed")
    def _completion_agreed(self, party_unit_id: str, actor: Actor, timestamp: datetime) -> None:
        self.completion_agreed_by.add(party_unit_id)

    @event("Completed")
    def _completed(
        self, how: str, parties: dict[str, Any], actor: Actor, timestamp: datetime
    ) -> None:
        self.status = ContractStatus.COMPLETED

    @event("Terminated")
    def _terminated(
        self,
        reason: str,
        delivered_amount: str,
        parties: dict[str, Any],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = ContractStatus.TERMINATED


def _reference_fields(reference: tuple[Decimal, ReferenceSource] | None) -> dict[str, Any]:
    if reference is None:
        return {"reference_unit_price": None, "reference_source": None}
    price, source = reference
    return {"reference_unit_price": str(price), "reference_source": source.value}
