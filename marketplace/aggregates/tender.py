"""A tender on a need (paper §3.2.2②, §3.4.1③): the catalog suppliers must be invited (or the
omission filed), bids stay sealed until the deadline, and the internal bid is preferred on
equal terms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate
from marketplace.aggregates.ranking import OpenedBid, Place, rank_bids


class TenderStatus(StrEnum):
    OPEN = "open"
    OPENED = "opened"
    AWARDED = "awarded"


def bidder_key(supplier_unit_id: str | None, external_supplier: str | None) -> str:
    return supplier_unit_id if supplier_unit_id else f"external:{external_supplier}"


class Tender(MarketAggregate):
    @classmethod
    def launch(
        cls,
        tender_id: str,
        need_id: str,
        demand: dict[str, str],
        item_code: str,
        catalog_version_id: str | None,
        required_suppliers: list[str],
        invitees: list[str],
        omission_filing: str | None,
        bid_deadline: datetime,
        evaluation: str,
        margin_pct: Decimal,
        actor: Actor,
        timestamp: datetime,
    ) -> Tender:
        """`demand`: the demand unit's id, platform and sector now (projections need them)."""
        if bid_deadline <= timestamp:
            raise DomainError("bid_deadline_in_past", "The bid deadline must be in the future.")
        if demand["demand_unit_id"] in invitees:
            raise DomainError("self_supply", "The demand unit cannot invite itself.")
        missing = sorted(set(required_suppliers) - set(invitees))
        if missing and not omission_filing:
            raise DomainError(
                "catalog_suppliers_not_invited",
                "Every catalog supplier of the item must be invited, or the omission filed "
                f"with a reason; missing: {', '.join(missing)}.",
                {"missing_catalog_suppliers": missing},
            )
        return cls(
            id=tender_id,
            need_id=need_id,
            demand=demand,
            item_code=item_code,
            catalog_version_id=catalog_version_id,
            required_suppliers=sorted(required_suppliers),
            invitees=sorted(set(invitees)),
            missing_catalog_suppliers=missing,
            omission_filing=omission_filing if missing else None,
            compliance="exception_filed" if missing else "compliant",
            bid_deadline=bid_deadline,
            evaluation=evaluation,
            margin_pct=str(margin_pct),
            actor=actor,
            timestamp=timestamp,
        )

    @event("Launched")
    def __init__(
        self,
        id: str,
        need_id: str,
        demand: dict[str, str],
        item_code: str,
        catalog_version_id: str | None,
        required_suppliers: list[str],
        invitees: list[str],
        missing_catalog_suppliers: list[str],
        omission_filing: str | None,
        compliance: str,
        bid_deadline: datetime,
        evaluation: str,
        margin_pct: str,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.need_id = need_id
        self.demand = demand
        self.item_code = item_code
        self.required_suppliers = required_suppliers
        self.invitees = invitees
        self.missing_catalog_suppliers = missing_catalog_suppliers
        self.omission_filing = omission_filing
        self.compliance = compliance
        self.bid_deadline = bid_deadline
        self.margin_pct = Decimal(margin_pct)
        self.status = TenderStatus.OPEN
        self.current_bids: dict[str, str] = {}  # bidder key → its latest bid id
        self.ranking: list[dict[str, Any]] = []
        self.awarded_bid_id: str | None = None

    @property
    def demand_unit_id(self) -> str:
        return self.demand["demand_unit_id"]

    @property
    def bid_count(self) -> int:
        return len(self.current_bids)

    def record_bid(
        self, bid_id: str, bidder: str, internal: bool, actor: Actor, timestamp: datetime
    ) -> None:
        if self.status is not TenderStatus.OPEN:
            raise DomainError("tender_not_open", f"Tender {self.id!r} is {self.status.value}.")
        if timestamp > self.bid_deadline:
            raise DomainError(
                "bid_deadline_passed", f"Bids closed at {self.bid_deadline.isoformat()}."
            )
        self._bid_received(
            bid_id, bidder, internal, self.current_bids.get(bidder), actor, timestamp
        )

    def open_bids(
        self, bids: list[tuple[OpenedBid, str, str]], actor: Actor, timestamp: datetime
    ) -> list[Place]:
        """Reveal (bid, nonce, commitment) triples and rank them; only after the deadline."""
        if self.status is not TenderStatus.OPEN:
            raise DomainError("tender_not_open", f"Tender {self.id!r} is {self.status.value}.")
        if timestamp <= self.bid_deadline:
            raise DomainError(
                "bid_deadline_not_reached", f"Bids open after {self.bid_deadline.isoformat()}."
            )
        places = rank_bids([b for b, _, _ in bids], self.margin_pct)
        self._bids_opened(
            [
                {
                    "bid_id": b.bid_id,
                    "bidder": b.bidder,
                    "internal": b.internal,
                    "amount": str(b.amount),
                    "nonce": nonce,
                    "commitment": c,
                }
                for b, nonce, c in bids
            ],
            [
                {
                    "rank": p.rank,
                    "bid_id": p.bid.bid_id,
                    "bidder": p.bid.bidder,
                    "internal": p.bid.internal,
                    "amount": str(p.bid.amount),
                    "reason": p.reason,
                }
                for p in places
            ],
            actor,
            timestamp,
        )
        return places

    def award(
        self,
        bid_id: str,
        justification: str | None,
        contract_id: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> dict[str, Any]:
        if self.status is TenderStatus.AWARDED:
            raise DomainError("already_awarded", f"Tender {self.id!r} was awarded already.")
        if self.status is not TenderStatus.OPENED:
            raise DomainError("bids_not_opened", "Open the bids before awarding.")
        place = next((p for p in self.ranking if p["bid_id"] == bid_id), None)
        if place is None:
            raise DomainError(
                "bid_not_found",
                f"Bid {bid_id!r} is not in this tender's ranking.",
                {"bid_id": bid_id},
            )
        if not place["internal"] and self.ranking[0]["internal"] and not justification:
            raise DomainError(
                "internal_bid_preferred",
                "An internal bid ranks first; awarding an external bid needs a justification.",
                {"first": self.ranking[0]["bid_id"]},
            )
        self._awarded(
            bid_id,
            place["bidder"],
            place["internal"],
            place["amount"],
            contract_id,
            justification,
            actor,
            timestamp,
        )
        return place

    @event("BidReceived")
    def _bid_received(
        self,
        bid_id: str,
        bidder: str,
        internal: bool,
        replaces: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.current_bids[bidder] = bid_id

    @event("BidsOpened")
    def _bids_opened(
        self,
        bids: list[dict[str, Any]],
        ranking: list[dict[str, Any]],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = TenderStatus.OPENED
        self.ranking = ranking

    @event("Awarded")
    def _awarded(
        self,
        bid_id: str,
        bidder: str,
        internal: bool,
        amount: str,
        contract_id: str | None,
        justification: str | None,
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.status = TenderStatus.AWARDED
        self.awarded_bid_id = bid_id
