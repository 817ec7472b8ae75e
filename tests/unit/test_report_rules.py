"""Quarters and quarterly reports: bounds in the group's time zone, submission only after the
quarter, figures laid out from the summed facts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from marketplace.aggregates.base import Actor, DomainError
from marketplace.aggregates.report import Quarter, QuarterlyReport, figures_of

HQ = Actor("HQ", "tok_hq")


def test_quarters_parse_and_bound_in_the_groups_time_zone() -> None:
    q4 = Quarter.parse("2027Q4")
    assert (str(q4), q4.first_day, q4.next_first_day) == (
        "2027Q4",
        date(2027, 10, 1),
        date(2028, 1, 1),
    )
    start, end = Quarter.parse("2027Q1").bounds(ZoneInfo("Asia/Shanghai"))
    assert start.astimezone(UTC) == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2027, 3, 31, 16, tzinfo=UTC)
    for bad in ("2027Q5", "2027-Q1", "27Q1"):
        with pytest.raises(ValueError, match="quarter"):
            Quarter.parse(bad)


def test_figures_are_laid_out_from_the_totals() -> None:
    figures = figures_of(
        {
            "sold": (2, Decimal("100.5")),
            "delivered_sold": (3, Decimal("40")),
            "tenders": (3, Decimal(0)),
            "tenders_compliant": (1, Decimal(0)),
            "tenders_exception_filed": (1, Decimal(0)),
            "disputes_raised": (1, Decimal(0)),
        }
    )
    assert figures["internal_trade"]["as_supplier"] == {
        "contracts": 2,
        "amount": "100.50",
        "delivered_amount": "40.00",
    }
    assert figures["internal_trade"]["as_buyer"]["contracts"] == 0
    assert figures["tenders"] == {
        "launched": 3,
        "for_catalog_items": 2,
        "compliant": 1,
        "exception_filed": 1,
    }
    assert figures["disputes"]["raised"] == 1


def test_a_report_is_submitted_only_once_its_quarter_is_over() -> None:
    q1 = Quarter(2027, 1)
    with pytest.raises(DomainError) as info:
        QuarterlyReport.submit(
            "COAL", q1, ["COAL"], {}, date(2027, 3, 31), HQ, datetime(2027, 3, 31, tzinfo=UTC)
        )
    assert info.value.code == "quarter_not_ended"
    report = QuarterlyReport.submit(
        "COAL", q1, ["COAL"], {}, date(2027, 4, 1), HQ, datetime(2027, 4, 1, tzinfo=UTC)
    )
    assert report.id == "report-COAL-2027Q1"


def report_cycle() -> list[Any]:
    """Every public report event."""
    report = QuarterlyReport.submit(
        "COAL",
        Quarter(2027, 1),
        ["COAL", "COAL-01"],
        figures_of({"sold": (1, Decimal(5))}),
        date(2027, 4, 2),
        HQ,
        datetime(2027, 4, 2, tzinfo=UTC),
    )
    return list(report.collect_events())
