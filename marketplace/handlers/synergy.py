"""The synergy benefit's inputs: a contract's reference unit price at its award, and the rules'
terms in force at its activation (the arithmetic is the domain's: aggregates/synergy.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from marketplace.aggregates.need import Need
from marketplace.aggregates.synergy import BenefitTerms, ReferenceSource
from marketplace.aggregates.tender import Tender
from marketplace.handlers.catalog import find_version_in_force
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


def catalog(svc: Services, need: Need, supplier_unit_id: str) -> Reference | None:
    """The catalog reference price in force at the award (now): the supplier's own approved
    entry for the item if it has one with a price, else the lowest priced entry of the item from
    any other supplier (what the demand side could have bought at). The version in force at the
    award, not the one the need was matched against when posted: a price list replaced since
    then no longer says what the item costs inside the group."""
    version = find_version_in_force(svc, svc.clock())
    if version is None:
        return None
    priced = [
        e
        for e in version.approved_for_item(need.spec.item_code)
        if e.reference_price is not None and e.supplier_unit_id != need.demand_unit_id
    ]
    own = [e for e in priced if e.supplier_unit_id == supplier_unit_id]
    chosen = own or priced
    if not chosen:
        return None
    return min(Decimal(str(e.reference_price)) for e in chosen), ReferenceSource.CATALOG


def reference_of(
    svc: Services,
    need: Need,
    supplier_unit_id: str,
    tender: Tender | None = None,
    quantity: Decimal = Decimal(0),
) -> Reference | None:
    """The best external bid of the tender (its amount for `quantity`), else the catalog price
    in force at the award, else none."""
    found = None if tender is None else external_bid(tender, quantity)
    return found or catalog(svc, need, supplier_unit_id)
