"""Price tiers by quantity on a catalog entry, and what buying together saves on them (paper
1.2.1: joint procurement of like products buys at the price of the larger quantity)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from marketplace.aggregates.base import Immutable

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PriceBreak(Immutable):
    """From `min_quantity` on, the entry's unit price is `unit_price` (decimal strings)."""

    min_quantity: str
    unit_price: str

    def record(self) -> dict[str, str]:
        return {"min_quantity": self.min_quantity, "unit_price": self.unit_price}


def price_breaks_of(records: Sequence[dict[str, str]] | None) -> tuple[PriceBreak, ...]:
    return tuple(PriceBreak(**r) for r in records or ())


def tier_problem(reference_price: str | None, breaks: Sequence[PriceBreak]) -> str | None:
    """Why these breaks are not a price list by quantity, or None: they need the reference
    price (what applies below the first break), ascending quantities, and prices that never
    rise as the quantity grows."""
    if not breaks:
        return None
    if reference_price is None:
        return "price breaks need a reference_price: the unit price below the first break"
    price, quantity = Decimal(reference_price), Decimal(0)
    for tier in breaks:
        if Decimal(tier.min_quantity) <= quantity:
            return "price breaks go by ascending min_quantity, each once"
        if Decimal(tier.unit_price) > price:
            return "a price break's unit_price is at most the price before it"
        price, quantity = Decimal(tier.unit_price), Decimal(tier.min_quantity)
    return None


def unit_price_at(quantity: Decimal, reference_price: str, breaks: Sequence[PriceBreak]) -> Decimal:
    """The unit price a quantity reaches: the last break at or below it, else the reference."""
    price = Decimal(reference_price)
    for tier in breaks:
        if Decimal(tier.min_quantity) <= quantity:
            price = Decimal(tier.unit_price)
    return price


@dataclass(frozen=True)
class MemberSaving:
    """One member's share priced alone (the tier its own quantity reaches) and pooled."""

    unit_id: str
    quantity: Decimal
    alone_unit_price: Decimal
    alone_amount: Decimal
    pooled_amount: Decimal

    @property
    def saving(self) -> Decimal:
        return self.alone_amount - self.pooled_amount


@dataclass(frozen=True)
class PoolingSaving:
    """What pooling the shares saves on one entry's tiers: every share priced at the tier the
    total reaches instead of the tier its own quantity reaches."""

    total_quantity: Decimal
    pooled_unit_price: Decimal
    members: tuple[MemberSaving, ...]

    @property
    def saving(self) -> Decimal:
        return sum((m.saving for m in self.members), Decimal(0))


def pooling_saving(
    shares: Sequence[tuple[str, Decimal]], reference_price: str, breaks: Sequence[PriceBreak]
) -> PoolingSaving:
    """The saving of buying `shares` ((unit, quantity) each) together on these tiers."""
    total = sum((q for _, q in shares), Decimal(0))
    pooled = unit_price_at(total, reference_price, breaks)
    members = []
    for unit_id, quantity in shares:
        alone = unit_price_at(quantity, reference_price, breaks)
        members.append(
            MemberSaving(
                unit_id,
                quantity,
                alone,
                (alone * quantity).quantize(CENT),
                (pooled * quantity).quantize(CENT),
            )
        )
    return PoolingSaving(total, pooled, tuple(members))
