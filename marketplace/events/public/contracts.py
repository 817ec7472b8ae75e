"""The contracts' and quality incidents' public events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from marketplace.aggregates.contract import Contract
from marketplace.aggregates.quality_incident import QualityIncident
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

CONTRACTS_TOPIC = "marketplace.contracts"

Parties = Field(description="Both parties, their platforms and sectors at the award.")


class ContractCreatedV1(Payload):
    """An award created a contract between two group units."""

    need_id: str
    offer_id: str
    demand_unit_id: str
    supply_unit_id: str
    business_type: str
    item_code: str
    quantity: str
    unit_price: str
    amount: str
    status: str
    parties: dict[str, str] = Field(description="Both units' platforms and sectors then.")
    delivery_date: date | None = None
    actor: ActorV1
    trade_form: Literal["one_off", "framework", "joint", "resource"] = Field(
        default="one_off",
        description="How the contract came about: an award on a need or tender (`one_off`; "
        "`need_id` and `offer_id` name them), a call-off under a framework agreement, a "
        "member's share of a joint procurement, a booking of a shared resource. A contract of "
        "a call-off or a booking is created `active` and names no need or offer (empty ids).",
    )
    source_id: str | None = Field(
        default=None,
        description="What a contract that is not a need's own award came from: the framework's "
        "call-off, the joint procurement, the booking.",
    )
    reference_unit_price: str | None = Field(
        default=None,
        description="The reference unit price found at the award, which the synergy benefit "
        "is measured against: the best external bid of the need's tender / the quantity, else "
        "the catalog reference price the need was matched to; null: none (and on contracts "
        "stored before the benefit was kept).",
    )
    reference_source: Literal["external_bid", "catalog"] | None = Field(
        default=None, description="Where `reference_unit_price` came from."
    )


class ContractSignedV1(Payload):
    """A party signed the contract for its side."""

    party_unit_id: str
    actor: ActorV1


class BenefitSplitV1(Payload):
    demand: str
    supply: str


class SynergyV1(Payload):
    """The contract's synergy benefit (paper 2.1) as the rules in force at its activation set it."""

    reference_source: Literal["external_bid", "catalog"] | None = Field(
        description="null: no reference, no benefit claimed."
    )
    reference_unit_price: str | None
    unit_price: str = Field(description="The agreed unit price.")
    quantity: str
    benefit: str | None = Field(
        description="(reference - agreed unit price) * quantity, i.e. reference * quantity - "
        "the amount, half-even to the fen; negative kept."
    )
    demand_share: str | None = Field(description="The benefit * the demand side's percent.")
    supply_share: str | None = Field(description="The rest of the benefit.")
    split: BenefitSplitV1 = Field(description="The rules' `benefit_split` in force, percent.")
    arm_length_tolerance_pct: str
    rules_version: int


class ContractActivatedV1(Payload):
    """Both parties signed: the contract is active and its amount counts as internal trade."""

    amount: str
    parties: dict[str, str] = Parties
    actor: ActorV1
    synergy: SynergyV1 | None = Field(
        default=None, description="null on contracts activated before the benefit was kept."
    )


class ContractPriceProposedV1(Payload):
    """A party proposed a price for a special task."""

    party_unit_id: str
    amount: str
    actor: ActorV1


class ContractPricingEscalatedV1(Payload):
    """The parties could not agree: the superior unit decides the price."""

    party_unit_id: str
    mediator_unit_id: str
    actor: ActorV1


class ContractPricedV1(Payload):
    """The special task's price is set, by agreement or by the superior's decision."""

    amount: str
    how: str = Field(description="agreement or decision")
    by_unit_id: str
    actor: ActorV1


class ContractDeliveredV1(Payload):
    """The supplier delivered part or all of the contract."""

    quantity: str
    amount: str
    delivered_at: datetime
    late: bool
    parties: dict[str, str] = Parties
    actor: ActorV1


class ContractCompletionAgreedV1(Payload):
    """A party agreed to complete the contract before everything was delivered."""

    party_unit_id: str
    actor: ActorV1


class ContractCompletedV1(Payload):
    """The contract is complete (all delivered, or by agreement)."""

    how: str
    parties: dict[str, str] = Parties
    actor: ActorV1


class ContractTerminatedV1(Payload):
    """The contract was terminated; what was delivered stays counted."""

    reason: str
    delivered_amount: str
    parties: dict[str, str] = Parties
    actor: ActorV1


class QualityIncidentRecordedV1(Payload):
    """A quality incident against the supplier (automatic for a late delivery)."""

    contract_id: str
    parties: dict[str, str] = Parties
    kind: str
    severity: str
    description: str
    occurred_at: datetime
    automatic: bool
    actor: ActorV1


class QualityIncidentResolvedV1(Payload):
    """The incident was resolved."""

    resolution: str
    parties: dict[str, str] = Parties
    kind: str
    severity: str
    actor: ActorV1


class QualityIncidentEscalatedV1(Payload):
    """The incident became a dispute."""

    dispute_id: str
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(Contract, "Created"),
        "marketplace.contract.created.v1",
        CONTRACTS_TOPIC,
        ContractCreatedV1,
    ),
    PublicType(
        domain_event(Contract, "Signed"),
        "marketplace.contract.signed.v1",
        CONTRACTS_TOPIC,
        ContractSignedV1,
    ),
    PublicType(
        domain_event(Contract, "Activated"),
        "marketplace.contract.activated.v1",
        CONTRACTS_TOPIC,
        ContractActivatedV1,
    ),
    PublicType(
        domain_event(Contract, "PriceProposed"),
        "marketplace.contract.price_proposed.v1",
        CONTRACTS_TOPIC,
        ContractPriceProposedV1,
    ),
    PublicType(
        domain_event(Contract, "PricingEscalated"),
        "marketplace.contract.pricing_escalated.v1",
        CONTRACTS_TOPIC,
        ContractPricingEscalatedV1,
    ),
    PublicType(
        domain_event(Contract, "Priced"),
        "marketplace.contract.priced.v1",
        CONTRACTS_TOPIC,
        ContractPricedV1,
    ),
    PublicType(
        domain_event(Contract, "Delivered"),
        "marketplace.contract.delivered.v1",
        CONTRACTS_TOPIC,
        ContractDeliveredV1,
    ),
    PublicType(
        domain_event(Contract, "CompletionAgreed"),
        "marketplace.contract.completion_agreed.v1",
        CONTRACTS_TOPIC,
        ContractCompletionAgreedV1,
    ),
    PublicType(
        domain_event(Contract, "Completed"),
        "marketplace.contract.completed.v1",
        CONTRACTS_TOPIC,
        ContractCompletedV1,
    ),
    PublicType(
        domain_event(Contract, "Terminated"),
        "marketplace.contract.terminated.v1",
        CONTRACTS_TOPIC,
        ContractTerminatedV1,
    ),
    PublicType(
        domain_event(QualityIncident, "Recorded"),
        "marketplace.quality_incident.recorded.v1",
        CONTRACTS_TOPIC,
        QualityIncidentRecordedV1,
    ),
    PublicType(
        domain_event(QualityIncident, "Resolved"),
        "marketplace.quality_incident.resolved.v1",
        CONTRACTS_TOPIC,
        QualityIncidentResolvedV1,
    ),
    PublicType(
        domain_event(QualityIncident, "Escalated"),
        "marketplace.quality_incident.escalated.v1",
        CONTRACTS_TOPIC,
        QualityIncidentEscalatedV1,
    ),
)
