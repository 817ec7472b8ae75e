"""The offers' public events."""

from __future__ import annotations

from datetime import date, datetime

from marketplace.aggregates.offer import Offer
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

OFFERS_TOPIC = "marketplace.offers"


class OfferSubmittedV1(Payload):
    """A supplier offered on a need."""

    need_id: str
    demand_unit_id: str
    supplier_unit_id: str
    unit_price: str
    quantity: str
    delivery_date: date
    valid_until: datetime
    actor: ActorV1


class OfferRevisedV1(Payload):
    """The supplier revised its open offer."""

    unit_price: str
    quantity: str
    delivery_date: date
    valid_until: datetime
    actor: ActorV1


class OfferWithdrawnV1(Payload):
    """The supplier withdrew its offer."""

    actor: ActorV1


class OfferAwardedV1(Payload):
    """The offer won its need."""

    contract_id: str
    actor: ActorV1


class OfferNotAwardedV1(Payload):
    """Another offer won the need."""

    awarded_offer_id: str
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(Offer, "Submitted"),
        "marketplace.offer.submitted.v1",
        OFFERS_TOPIC,
        OfferSubmittedV1,
    ),
    PublicType(
        domain_event(Offer, "Revised"), "marketplace.offer.revised.v1", OFFERS_TOPIC, OfferRevisedV1
    ),
    PublicType(
        domain_event(Offer, "Withdrawn"),
        "marketplace.offer.withdrawn.v1",
        OFFERS_TOPIC,
        OfferWithdrawnV1,
    ),
    PublicType(
        domain_event(Offer, "Awarded"), "marketplace.offer.awarded.v1", OFFERS_TOPIC, OfferAwardedV1
    ),
    PublicType(
        domain_event(Offer, "NotAwarded"),
        "marketplace.offer.not_awarded.v1",
        OFFERS_TOPIC,
        OfferNotAwardedV1,
    ),
)
