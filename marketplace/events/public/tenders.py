"""The tenders' public events."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from marketplace.aggregates.tender import Tender
from marketplace.events.public.payload import ActorV1, Payload, PublicType, domain_event

TENDERS_TOPIC = "marketplace.tenders"


class TenderLaunchedV1(Payload):
    """A tender was launched; `compliance` says whether every catalog supplier was invited."""

    need_id: str
    demand: dict[str, str] = Field(description="The demand unit, its platform and sector then.")
    item_code: str
    catalog_version_id: str | None
    required_suppliers: list[str] = Field(description="Catalog suppliers in force at launch.")
    invitees: list[str]
    missing_catalog_suppliers: list[str]
    omission_filing: str | None = Field(description="The filed reason for leaving some out.")
    compliance: str = Field(description="compliant or exception_filed")
    bid_deadline: datetime
    evaluation: str
    margin_pct: str
    actor: ActorV1


class TenderBidReceivedV1(Payload):
    """A sealed bid arrived (no amount: sealed until opening)."""

    bid_id: str
    bidder: str
    internal: bool
    replaces: str | None = Field(description="The bidder's earlier bid, now superseded.")
    actor: ActorV1


class OpenedBidV1(Payload):
    bid_id: str
    bidder: str
    internal: bool
    amount: str
    nonce: str
    commitment: str = Field(description="sha256(f'{amount}|{nonce}') committed at submission.")


class RankedBidV1(Payload):
    rank: int
    bid_id: str
    bidder: str
    internal: bool
    amount: str
    reason: str


class TenderBidsOpenedV1(Payload):
    """The bids were opened after the deadline: the first event carrying amounts."""

    bids: list[OpenedBidV1]
    ranking: list[RankedBidV1]
    actor: ActorV1


class TenderAwardedV1(Payload):
    """The demand unit awarded the tender."""

    bid_id: str
    bidder: str
    internal: bool
    amount: str
    contract_id: str | None
    justification: str | None
    actor: ActorV1


# One row per public event: domain event class, CloudEvents type, topic, payload.
TYPES = (
    PublicType(
        domain_event(Tender, "Launched"),
        "marketplace.tender.launched.v1",
        TENDERS_TOPIC,
        TenderLaunchedV1,
    ),
    PublicType(
        domain_event(Tender, "BidReceived"),
        "marketplace.tender.bid_received.v1",
        TENDERS_TOPIC,
        TenderBidReceivedV1,
    ),
    PublicType(
        domain_event(Tender, "BidsOpened"),
        "marketplace.tender.bids_opened.v1",
        TENDERS_TOPIC,
        TenderBidsOpenedV1,
    ),
    PublicType(
        domain_event(Tender, "Awarded"),
        "marketplace.tender.awarded.v1",
        TENDERS_TOPIC,
        TenderAwardedV1,
    ),
)
