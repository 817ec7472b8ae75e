"""The synergy benefit's inputs: a contract's reference unit price at its award, and the rules'
terms in force at its activation (the arithmetic is the domain's: aggregates/synergy.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from marketplace.aggregates.need import Need
from marketplace.aggregates.synergy import BenefitTerms, ReferenceSource
from marketplace.aggregates.tender import Tender
from marketplace.handlers.ports import Services
from marketplace.handlers.rules import in_force_at

Reference = tuple[Decimal, ReferenceSource]


def terms_at(svc: Services, at: datetime) -> BenefitTerms:
    """The benefit split and arm's-length tolerance of the rules in force at `at`."""
    rules = in_force_at(svc, at)
    return BenefitTerms(
        rules.benefit_split_demand_pct,
        rules.benefit_split_supply_pct,
        rules.arm_length_tolerance_pct,
        rules.version,
    )


def external_bid(tender: Tender, quantity: Decimal) -> Reference | None:
    """The best (lowest) external bid of an opened tender, per unit of `quantity`."""
    external = [Decimal(p["amount"]) for p in tender.ranking if not p["internal"]]
    if not external or quantity <= 0:
        return None
    return min(external) / quantity, ReferenceSource.EXTERNAL_BID


def catalog(need: Need, supplier_unit_id: str) -> Reference | None:
    """The catalog reference price the need was matched to: the supplier's own entry for the
    item if it has one with a price, else the lowest priced entry of the item (what the demand
    side could have bought at). The need's matches are the catalog version in force when it was
    posted; the award buys under that version."""
    priced = [m for m in need.matches if m.reference_price is not None]
    own = [m for m in priced if m.supplier_unit_id == supplier_unit_id]
    chosen = own or priced
    if not chosen:
        return None
    return min(Decimal(str(m.reference_price)) for m in chosen), ReferenceSource.CATALOG


def reference_of(
    need: Need, supplier_unit_id: str, tender: Tender | None = None, quantity: Decimal = Decimal(0)
) -> Reference | None:
    """The best external bid of the tender (its amount for `quantity`), else the need's catalog
    price, else none."""
    found = None if tender is None else external_bid(tender, quantity)
    return found or catalog(need, supplier_unit_id)
