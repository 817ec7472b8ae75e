"""The annual assessment's arithmetic: shares, the supplier-quality floor, KPIs with nothing to
judge dropping out of the weighted total."""

from __future__ import annotations

from decimal import Decimal

from marketplace.aggregates.assessment import WEIGHTS, YearRecord, score

NOTHING = YearRecord(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def scores(record: YearRecord) -> dict[str, Decimal | None]:
    return {k.kpi: k.score for k in score(record)[0]}


def test_weights_sum_to_a_hundred() -> None:
    assert sum(WEIGHTS.values()) == 100


def test_a_unit_with_nothing_to_judge_has_no_total() -> None:
    kpis, total = score(NOTHING)
    assert total is None and all(k.score is None for k in kpis)
    assert [k.kpi for k in kpis] == list(WEIGHTS)


def test_each_kpi_and_the_weighted_total() -> None:
    record = YearRecord(
        tenders_for_catalog_items=4,
        tenders_compliant=3,
        contracts_as_supplier=10,
        incidents_against=2,
        findings_due=2,
        findings_rectified_on_time=1,
        reports_due=4,
        reports_submitted=4,
        disputes_raised=0,
        disputes_closed=0,
        action_items_due=5,
        action_items_on_time=4,
    )
    assert scores(record) == {
        "invitation_compliance": Decimal("75.0"),
        "supplier_quality": Decimal("80.0"),
        "inspection_rectification": Decimal("50.0"),
        "quarterly_reporting": Decimal("100.0"),
        "dispute_settlement": None,
        "action_items_on_time": Decimal("80.0"),
    }
    # (75*30 + 80*25 + 50*15 + 100*10 + 80*10) / 90 = 6800 / 90: disputes had nothing to judge
    assert score(record)[1] == Decimal("75.6")


def test_supplier_quality_does_not_go_below_zero() -> None:
    record = YearRecord(0, 0, 1, 3, 0, 0, 0, 0, 0, 0)
    assert scores(record)["supplier_quality"] == Decimal(0)
    assert score(record)[1] == Decimal("0.0")
