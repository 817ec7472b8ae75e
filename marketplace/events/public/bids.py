"""The sealed bids' public events (never their amounts)."""

from __future__ import annotations

from datetime import date

from marketplace.aggregates.bid import Bid
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

BIDS_TOPIC = "marketplace.bids"


class BidSubmittedV1(Payload):
    """A sealed bid: who, for which tender, and its commitment — never the amount."""

    tender_id: str
    bidder: str
    internal: bool
    delivery_date: date
    commitment: str
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    # Only the payload's fields leave the store: the sealed amount never does.
    PublicType(
        domain_event(Bid, "Submitted"), "marketplace.bid.submitted.v1", BIDS_TOPIC, BidSubmittedV1
    ),
)
