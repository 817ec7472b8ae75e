"""Ranking of opened bids (paper §3.2.2②): lowest amount first, but "on equal terms prefer
the internal supplier" — an internal bid within the margin of the best external bid ranks above
it, and ties go to the internal bidder."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class OpenedBid:
    bid_id: str
    bidder: str  # supplier unit id, or the external supplier's name
    internal: bool
    amount: Decimal


@dataclass(frozen=True)
class Place:
    rank: int
    bid: OpenedBid
    reason: str


def rank_bids(bids: list[OpenedBid], margin_pct: Decimal) -> list[Place]:
    externals = [b.amount for b in bids if not b.internal]
    best_external = min(externals) if externals else None
    threshold = best_external * (1 + margin_pct / 100) if best_external is not None else None

    def preferred(bid: OpenedBid) -> bool:
        return bid.internal and threshold is not None and bid.amount <= threshold

    # Preferred internal bids first (by amount), then everything else by amount, internal
    # before external at equal amounts; the bid id makes the order total and replayable.
    ordered = sorted(bids, key=lambda b: (not preferred(b), b.amount, not b.internal, b.bid_id))
    places = []
    for rank, bid in enumerate(ordered, start=1):
        places.append(
            Place(rank, bid, _reason(bid, rank, ordered, best_external, margin_pct, preferred(bid)))
        )
    return places


def _reason(
    bid: OpenedBid,
    rank: int,
    ordered: list[OpenedBid],
    best_external: Decimal | None,
    margin_pct: Decimal,
    preferred: bool,
) -> str:
    if preferred and best_external is not None and bid.amount > best_external:
        return (
            f"internal bid within {margin_pct}% of the best external bid ({best_external}): "
            "preferred on equal terms"
        )
    if preferred and best_external is not None and bid.amount == best_external:
        return "tie with the best external bid: the internal bidder is preferred"
    if rank == 1:
        return "lowest amount"
    return f"amount {bid.amount}, ranked after {ordered[rank - 2].bid_id}"
