"""A sealed bid: the amount travels and rests only encrypted; a commitment proves it afterwards."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, MarketAggregate


def commitment(amount: Decimal, nonce: str) -> str:
    """SHA-256 of the amount and a random nonce: binds the bidder without revealing the amount."""
    return hashlib.sha256(f"{amount}|{nonce}".encode()).hexdigest()


class Bid(MarketAggregate):
    """`sealed` is ciphertext made by the application layer; the domain never sees the amount
    before opening."""

    @event("Submitted")
    def __init__(
        self,
        id: str,
        tender_id: str,
        bidder: str,
        internal: bool,
        delivery_date: date,
        sealed: str,
        commitment: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.tender_id = tender_id
        self.bidder = bidder
        self.internal = internal
        self.delivery_date = delivery_date
        self.sealed = sealed
        self.commitment = commitment
        self.submitted_at = timestamp
