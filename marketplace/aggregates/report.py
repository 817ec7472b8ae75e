"""Quarterly reports (paper §3.4.2): a unit's subtree figures for a quarter, frozen once the
quarter is over by submitting them; a submitted report never changes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from eventsourcing.domain import event

from marketplace.aggregates.base import Actor, DomainError, MarketAggregate

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a quarter like 2027Q1")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next_first_day(self) -> date:
        return (
            date(self.year + 1, 1, 1)
            if self.number == 4
            else date(self.year, 3 * self.number + 1, 1)
        )

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) of the quarter's days in the group's time zone."""
        return (
            datetime.combine(self.first_day, time(), zone),
            datetime.combine(self.next_first_day, time(), zone),
        )


def figures_of(totals: dict[str, tuple[int, Decimal]]) -> dict[str, Any]:
    """The report's figures from the summed facts (see `projections/report_facts.py`)."""

    def count(metric: str) -> int:
        return totals.get(metric, (0, Decimal(0)))[0]

    def money(metric: str) -> str:
        return f"{totals.get(metric, (0, Decimal(0)))[1]:.2f}"

    def trade(side: str) -> dict[str, Any]:
        return {
            "contracts": count(side),
            "amount": money(side),
            "delivered_amount": money(f"delivered_{side}"),
        }

    return {
        "internal_trade": {"as_supplier": trade("sold"), "as_buyer": trade("bought")},
        "tenders": {
            "launched": count("tenders"),
            "for_catalog_items": count("tenders_compliant") + count("tenders_exception_filed"),
            "compliant": count("tenders_compliant"),
            "exception_filed": count("tenders_exception_filed"),
        },
        "external_sourcing": {
            "requested": count("external_requested"),
            "approved": count("external_approved"),
            "rejected": count("external_rejected"),
            "closed_external": count("closed_external"),
        },
        "quality_incidents": {
            "against_suppliers": count("incidents_against"),
            "raised_as_buyer": count("incidents_raised"),
            "resolved": count("incidents_resolved"),
        },
        "disputes": {
            "raised": count("disputes_raised"),
            "to_mediation": count("disputes_to_mediation"),
            "closed": count("disputes_closed"),
        },
    }


class QuarterlyReport(MarketAggregate):
    @staticmethod
    def id_for(unit_id: str, quarter: Quarter) -> str:
        return f"report-{unit_id}-{quarter}"

    @classmethod
    def submit(
        cls,
        unit_id: str,
        quarter: Quarter,
        units: list[str],
        figures: dict[str, Any],
        today: date,
        actor: Actor,
        timestamp: datetime,
    ) -> QuarterlyReport:
        """`today` is the command's day in the group's time zone."""
        if today < quarter.next_first_day:
            raise DomainError(
                "quarter_not_ended",
                f"{quarter} is not over yet; its report can be submitted from "
                f"{quarter.next_first_day.isoformat()}.",
                {"quarter": str(quarter)},
            )
        return cls(
            id=cls.id_for(unit_id, quarter),
            unit_id=unit_id,
            quarter=str(quarter),
            units=units,
            figures=figures,
            actor=actor,
            timestamp=timestamp,
        )

    @event("Submitted")
    def __init__(
        self,
        id: str,
        unit_id: str,
        quarter: str,
        units: list[str],
        figures: dict[str, Any],
        actor: Actor,
        timestamp: datetime,
    ) -> None:
        self.unit_id = unit_id
        self.quarter = quarter
        self.units = units
        self.figures = figures
        self.submitted_at = timestamp
        self.submitted_by = actor
