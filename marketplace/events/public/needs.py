"""The needs' public events: offers, awards, external sourcing, tenders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field

from marketplace.aggregates.need import Need
from marketplace.events.public.payload import (
    ActorV1,
    Deprecation,
    Payload,
    PublicType,
    domain_event,
)

NEEDS_TOPIC = "marketplace.needs"
NEED_POSTED_V1 = "marketplace.need.posted.v1"
NEED_POSTED_V2 = "marketplace.need.posted.v2"
# The 0.2 releases publish both; from 0.3.0 only v2 (README, "Events").
NEED_POSTED_V1_UNTIL = "0.2.x"


class NeedSpecV1(Payload):
    demand_unit_id: str
    title: str
    category: str
    subcategory: str
    item_code: str
    quantity: str = Field(description="Decimal string.")
    uom: str
    required_by: date
    budget_amount: str = Field(description="CNY, decimal string.")
    business_type: str = Field(description="regular or special_task")
    sourcing: str = Field(description="direct or tender")
    directive_id: str | None = None


class DeliveryLocationV1(Payload):
    """Where the goods go."""

    site: str = Field(description="The demand unit's site (plant, depot, yard).")
    address: str | None = Field(description="Postal address for carriers, when given.")


class NeedSpecV2(NeedSpecV1):
    delivery_location: DeliveryLocationV1 | None = Field(
        description="Where to deliver; null when the demand unit did not say (and for every "
        "need posted before v2)."
    )
    lead_id: str | None = Field(
        default=None,
        description="The exchange visit's lead the need came from (`/v1/exchange-visits`); "
        "null when none (and absent from needs posted before visits were recorded).",
    )
    pool_id: str | None = Field(
        default=None,
        description="The joint procurement whose total the need is (`/v1/joint-procurements`):"
        " its award makes one contract per member; null when none (and absent from needs "
        "posted before pools existed).",
    )


class MatchV1(Payload):
    entry_id: str
    supplier_unit_id: str
    item_code: str
    reference_price: str | None


class NeedPostedV1(Payload):
    """A unit posted a need; `matches` are the catalog suppliers in force at that moment."""

    spec: NeedSpecV1
    context: dict[str, str] = Field(description="The demand unit's platform and sector then.")
    catalog_version_id: str | None
    matches: list[MatchV1]
    actor: ActorV1


class NeedPostedV2(Payload):
    """A unit posted a need, saying where to deliver it; `matches` are the catalog suppliers
    in force at that moment. Replaces `marketplace.need.posted.v1`."""

    spec: NeedSpecV2
    context: dict[str, str] = Field(description="The demand unit's platform and sector then.")
    catalog_version_id: str | None
    matches: list[MatchV1]
    actor: ActorV1


def need_posted_v1(data: Mapping[str, Any]) -> dict[str, Any]:
    """A v2 payload's v1 form: the spec without the delivery location, the lead and the pool."""
    later = ("delivery_location", "lead_id", "pool_id")
    spec = {k: v for k, v in data["spec"].items() if k not in later}
    return {**data, "spec": spec}


class NeedOfferReceivedV1(Payload):
    """An offer arrived on the need (its terms are on `marketplace.offers`)."""

    offer_id: str
    supplier_unit_id: str
    matched: bool = Field(description="Whether the supplier was one of the need's matches.")
    actor: ActorV1


class NeedOfferWithdrawnV1(Payload):
    """An offer on the need was withdrawn by its supplier."""

    offer_id: str
    supplier_unit_id: str
    matched: bool
    actor: ActorV1


class NeedAwardedV1(Payload):
    """The demand unit awarded the need to an offer; a contract was created."""

    offer_id: str
    supplier_unit_id: str
    contract_id: str
    amount: str
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class ExternalSourcingRequestedV1(Payload):
    """The demand unit asked to buy outside the group on one of the four grounds."""

    request_id: str
    ground: str
    justification: str
    quantity: str | None = Field(description="Ground 2: the part that may go outside.")
    actor: ActorV1


class ExternalSourcingApprovedV1(Payload):
    """The superior unit approved buying outside the group."""

    request_id: str
    approver_unit_id: str
    actor: ActorV1


class ExternalSourcingRejectedV1(Payload):
    """The superior unit refused buying outside the group."""

    request_id: str
    reason: str
    approver_unit_id: str
    actor: ActorV1


class NeedClosedExternalV1(Payload):
    """(Part of) the need was bought outside the group; what remains stays open."""

    request_id: str | None
    ground: str | None
    quantity: str
    remaining_quantity: str
    external_supplier: str | None
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class NeedCancelledV1(Payload):
    """The demand unit cancelled the need."""

    reason: str
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class NeedTenderStartedV1(Payload):
    """The need is being tendered; direct offers stop."""

    tender_id: str
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


class NeedTenderConcludedV1(Payload):
    """The tender was awarded: to an internal bidder (contract) or outside the group."""

    tender_id: str
    bidder: str
    internal: bool
    amount: str
    contract_id: str | None
    matched_supplier_unit_ids: list[str]
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(domain_event(Need, "Posted"), NEED_POSTED_V2, NEEDS_TOPIC, NeedPostedV2),
    PublicType(
        domain_event(Need, "Posted"),
        NEED_POSTED_V1,
        NEEDS_TOPIC,
        NeedPostedV1,
        deprecated=Deprecation(superseded_by=NEED_POSTED_V2, until=NEED_POSTED_V1_UNTIL),
        shape=need_posted_v1,
    ),
    PublicType(
        domain_event(Need, "OfferReceived"),
        "marketplace.need.offer_received.v1",
        NEEDS_TOPIC,
        NeedOfferReceivedV1,
    ),
    PublicType(
        domain_event(Need, "OfferWithdrawn"),
        "marketplace.need.offer_withdrawn.v1",
        NEEDS_TOPIC,
        NeedOfferWithdrawnV1,
    ),
    PublicType(
        domain_event(Need, "Awarded"), "marketplace.need.awarded.v1", NEEDS_TOPIC, NeedAwardedV1
    ),
    PublicType(
        domain_event(Need, "ExternalSourcingRequested"),
        "marketplace.need.external_sourcing_requested.v1",
        NEEDS_TOPIC,
        ExternalSourcingRequestedV1,
    ),
    PublicType(
        domain_event(Need, "ExternalSourcingApproved"),
        "marketplace.need.external_sourcing_approved.v1",
        NEEDS_TOPIC,
        ExternalSourcingApprovedV1,
    ),
    PublicType(
        domain_event(Need, "ExternalSourcingRejected"),
        "marketplace.need.external_sourcing_rejected.v1",
        NEEDS_TOPIC,
        ExternalSourcingRejectedV1,
    ),
    PublicType(
        domain_event(Need, "ClosedExternal"),
        "marketplace.need.closed_external.v1",
        NEEDS_TOPIC,
        NeedClosedExternalV1,
    ),
    PublicType(
        domain_event(Need, "Cancelled"),
        "marketplace.need.cancelled.v1",
        NEEDS_TOPIC,
        NeedCancelledV1,
    ),
    PublicType(
        domain_event(Need, "TenderStarted"),
        "marketplace.need.tender_started.v1",
        NEEDS_TOPIC,
        NeedTenderStartedV1,
    ),
    PublicType(
        domain_event(Need, "TenderConcluded"),
        "marketplace.need.tender_concluded.v1",
        NEEDS_TOPIC,
        NeedTenderConcludedV1,
    ),
)
