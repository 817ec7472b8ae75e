"""The synergy benefit's arithmetic: exact to the fen, shares summing to the benefit."""

from __future__ import annotations

from decimal import Decimal

from marketplace.aggregates.synergy import BenefitTerms, excess_pct, synergy

TERMS = BenefitTerms(Decimal(60), Decimal(40), Decimal(5), 3)


def test_benefit_is_reference_times_quantity_less_the_amount_split_to_the_fen() -> None:
    # 3 t at 33.333 reference against 99.98 agreed: 99.999 - 99.98 = 0.019 -> 0.02.
    found = synergy(
        Decimal("33.333"), "catalog", Decimal("33.3267"), Decimal(3), Decimal("99.98"), TERMS
    )
    assert (found["benefit"], found["demand_share"], found["supply_share"]) == (
        "0.02",
        "0.01",
        "0.01",
    )
    assert found["split"] == {"demand": "60", "supply": "40"} and found["rules_version"] == 3


def test_a_dearer_price_keeps_a_negative_benefit_and_no_reference_claims_none() -> None:
    dear = synergy(Decimal(185), "catalog", Decimal(200), Decimal(100), Decimal(20000), TERMS)
    assert (dear["benefit"], dear["demand_share"], dear["supply_share"]) == (
        "-1500.00", "-900.00", "-600.00",
    )  # fmt: skip
    none = synergy(None, None, Decimal(50), Decimal(10), Decimal(500), TERMS)
    assert none["benefit"] is None and none["reference_source"] is None
    assert excess_pct(Decimal(185), Decimal(200)) == Decimal("8.11")
