"""The synergy benefit of a contract at its activation (paper 2.1): exact to the fen."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

_FEN = Decimal("0.01")
_HUNDRED = Decimal(100)


class ReferenceSource(StrEnum):
    """Where a contract's reference unit price came from at its award."""

    EXTERNAL_BID = "external_bid"
    CATALOG = "catalog"


@dataclass(frozen=True)
class BenefitTerms:
    """The rules in force at the activation that the benefit is split and checked by."""

    demand_pct: Decimal
    supply_pct: Decimal
    arm_length_tolerance_pct: Decimal
    rules_version: int


def synergy(
    reference_unit_price: Decimal | None,
    reference_source: str | None,
    unit_price: Decimal,
    quantity: Decimal,
    amount: Decimal,
    terms: BenefitTerms,
) -> dict[str, Any]:
    """The activation's benefit record: benefit = reference * quantity - the agreed amount,
    rounded half-even to the fen (negative kept); the demand side's share is rounded, the
    supply side takes the rest, so the shares always sum to the benefit. Without a reference
    no benefit is claimed (null amounts)."""
    record: dict[str, Any] = {
        "reference_source": reference_source,
        "reference_unit_price": None,
        "unit_price": str(unit_price),
        "quantity": str(quantity),
        "benefit": None,
        "demand_share": None,
        "supply_share": None,
        "split": {"demand": str(terms.demand_pct), "supply": str(terms.supply_pct)},
        "arm_length_tolerance_pct": str(terms.arm_length_tolerance_pct),
        "rules_version": terms.rules_version,
    }
    if reference_unit_price is None:
        return record | {"reference_source": None}
    benefit = (reference_unit_price * quantity - amount).quantize(_FEN, ROUND_HALF_EVEN)
    demand = (benefit * terms.demand_pct / _HUNDRED).quantize(_FEN, ROUND_HALF_EVEN)
    return record | {
        "reference_unit_price": str(reference_unit_price),
        "benefit": str(benefit),
        "demand_share": str(demand),
        "supply_share": str(benefit - demand),
    }


def excess_pct(reference_unit_price: Decimal, unit_price: Decimal) -> Decimal:
    """How far the agreed unit price lies above the reference, in percent of it (2 decimals)."""
    excess = (unit_price - reference_unit_price) / reference_unit_price * _HUNDRED
    return excess.quantize(_FEN, ROUND_HALF_EVEN)
