"""Quarterly report figures against a hand-computed scenario on both stores, fed in-process and
from Kafka; a submitted report is frozen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from marketplace.aggregates.assessment import YearRecord, score
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.need import Ground
from marketplace.aggregates.report import Quarter, figures_of
from marketplace.handlers import disputes, external_sourcing, needs, reports, tenders
from marketplace.handlers.assessments import year_record
from marketplace.handlers.ports import Services
from marketplace.projections import inspection_findings, meeting_list, report_facts
from marketplace.projections.store import ReadModelStore
from tests.conftest import require_broker
from tests.integration.conftest import HQ_ADMIN
from tests.integration.projection_harness import relayed_into, replayed_into
from tests.integration.test_contract_projections import write_scenario
from tests.integration.test_inspections import write_findings
from tests.integration.test_needs import market, operator, steam  # noqa: F401

Q1 = Quarter(2027, 1)


def write_sourcing_and_disputes(svc: Services) -> None:
    """On top of the contracts: a tender, a bought-outside need and a dispute, all in 2027Q1."""
    spec = steam()
    tendered = needs.post_need(
        svc, operator("COAL-01"), spec.__class__(**{**vars(spec), "sourcing": "tender"})
    )
    tenders.launch_tender(
        svc,
        operator("COAL-01"),
        tendered.id,
        ["HEAT-02"],
        datetime(2027, 3, 20, tzinfo=UTC),
        "lowest_price",
        Decimal(0),
        "PWR-01 in overhaul",
    )
    outside = needs.post_need(
        svc, operator("COAL-02"), spec.__class__(**{**vars(spec), "demand_unit_id": "COAL-02"})
    )
    _, request_id = external_sourcing.request_external(
        svc, operator("COAL-02"), outside.id, Ground.NOT_AVAILABLE_INTERNALLY, "none free", None
    )
    external_sourcing.decide_external(svc, HQ_ADMIN, request_id, True, None)
    external_sourcing.close_external(svc, operator("COAL-02"), outside.id, "Outside Steam Ltd")
    contract = needs.load_need(svc, tendered.id)  # not awarded: the dispute is about the need
    dispute = disputes.raise_dispute(
        svc, operator("COAL-01"), "COAL-01", "need", contract.id, "HEAT-02", "other", "late offer"
    )
    disputes.request_mediation(svc, operator("COAL-01"), dispute.id)


def coal_expected() -> dict[str, Any]:
    figures = figures_of({})
    figures["internal_trade"]["as_buyer"] = {
        "contracts": 2,  # COAL-01 from PWR-01, COAL-02 from HEAT-02
        "amount": "436800.00",
        "delivered_amount": "328800.00",
    }
    figures["tenders"] = {
        "launched": 1,
        "for_catalog_items": 1,
        "compliant": 0,
        "exception_filed": 1,
    }
    figures["external_sourcing"] = {
        "requested": 1,
        "approved": 1,
        "rejected": 0,
        "closed_external": 1,
    }
    figures["quality_incidents"]["raised_as_buyer"] = 2  # wet steam; the late delivery
    figures["disputes"] = {"raised": 1, "to_mediation": 1, "closed": 0}
    return figures


async def figures_by_unit(reader: ReadModelStore, svc: Services) -> dict[str, Any]:
    start, end = Q1.bounds(UTC)
    return {
        unit: figures_of(await report_facts.totals(reader, reports.subtree(svc, unit), start, end))
        for unit in ("COAL", "PWR", "HEAT-02", "HQ")
    }


async def test_figures_per_subtree_in_both_feeds(
    market: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    require_broker()
    write_scenario(market)
    write_sourcing_and_disputes(market)
    replayed = await replayed_into(
        market.store,
        tmp_path / "a.db",
        (report_facts.PROJECTION,),
        lambda reader: figures_by_unit(reader, market),
    )
    start, end = Quarter(2027, 2).bounds(UTC)
    empty = await replayed_into(
        market.store,
        tmp_path / "b.db",
        (report_facts.PROJECTION,),
        lambda reader: report_facts.totals(reader, reports.subtree(market, "HQ"), start, end),
    )
    assert replayed["COAL"] == coal_expected()
    pwr = replayed["PWR"]
    assert pwr["internal_trade"]["as_supplier"] == {
        "contracts": 1,
        "amount": "216000.00",
        "delivered_amount": "108000.00",
    }
    assert pwr["internal_trade"]["as_buyer"] == {
        "contracts": 1,
        "amount": "220800.00",
        "delivered_amount": "18400.00",
    }
    assert pwr["quality_incidents"] == {"against_suppliers": 1, "raised_as_buyer": 0, "resolved": 0}
    heat02 = replayed["HEAT-02"]
    assert heat02["quality_incidents"] == {
        "against_suppliers": 1,
        "raised_as_buyer": 0,
        "resolved": 1,
    }
    assert heat02["disputes"]["raised"] == 1  # the other party of COAL-01's dispute
    group = replayed["HQ"]  # the whole group: each contract on both sides, each dispute once
    assert group["internal_trade"]["as_supplier"]["contracts"] == 3
    assert group["internal_trade"]["as_buyer"] == group["internal_trade"]["as_supplier"]
    assert group["disputes"] == {"raised": 1, "to_mediation": 1, "closed": 0}
    assert empty == {}  # nothing happened in 2027Q2

    fed = await relayed_into(
        market,
        tmp_path / "k.db",
        (report_facts.PROJECTION,),
        lambda reader: figures_by_unit(reader, market),
        replayed,
    )
    assert fed == replayed


def test_a_report_is_submitted_once_after_its_quarter(market: Services) -> None:  # noqa: F811
    figures = figures_of({})
    units = reports.subtree(market, "COAL")
    with pytest.raises(DomainError) as info:
        reports.submit_report(market, HQ_ADMIN, "COAL", Q1, units, figures)  # still 2027-03-01
    assert info.value.code == "quarter_not_ended"
    market.clock = lambda: datetime(2027, 4, 2, tzinfo=UTC)
    report = reports.submit_report(market, HQ_ADMIN, "COAL", Q1, units, figures)
    assert (report.unit_id, report.quarter, report.units) == ("COAL", "2027Q1", units)
    with pytest.raises(DomainError) as info:
        reports.submit_report(market, HQ_ADMIN, "COAL", Q1, units, figures)
    assert info.value.code == "report_already_submitted"
    stored = reports.submitted(market, "COAL", Q1)
    assert stored is not None and stored.figures == figures
    assert reports.submitted(market, "COAL", Quarter(2027, 2)) is None


async def test_the_annual_assessment_of_a_platform(
    market: Services,  # noqa: F811
    tmp_path: Path,
) -> None:
    write_scenario(market)
    write_sourcing_and_disputes(market)
    write_findings(market)  # COAL-01 due 2027-03-11 and COAL-02 due 2027-04-10, never rectified
    market.clock = lambda: datetime(2027, 4, 2, tzinfo=UTC)
    units = reports.subtree(market, "COAL")
    reports.submit_report(market, HQ_ADMIN, "COAL", Q1, units, figures_of({}))

    async def assess(reader: ReadModelStore) -> YearRecord:
        return await year_record(market, reader, reader, reader, "COAL", 2027, date(2027, 12, 31))

    record = await replayed_into(
        market.store,
        tmp_path / "a.db",
        (report_facts.PROJECTION, inspection_findings.PROJECTION, meeting_list.PROJECTION),
        assess,
    )
    assert record == YearRecord(
        tenders_for_catalog_items=1,
        tenders_compliant=0,  # the omission was filed
        contracts_as_supplier=0,
        incidents_against=0,
        findings_due=2,
        findings_rectified_on_time=0,
        reports_due=3,  # Q1 to Q3 are over by 2027-12-31
        reports_submitted=1,
        disputes_raised=1,
        disputes_closed=0,
    )
    kpis, total = score(record)
    assert {k.kpi: k.score for k in kpis}["quarterly_reporting"] == Decimal("33.3")
    assert {k.kpi: k.score for k in kpis}["supplier_quality"] is None  # sold nothing
    assert total == Decimal("5.1")  # 33.3 * 10 / (30 + 15 + 10 + 10)
