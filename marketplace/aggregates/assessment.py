"""The annual assessment (paper §3.4.3②): per unit, each KPI's score from the year's record,
its weight and the weighted total. Pure computation; the figures come in from read models.

A KPI with nothing to judge (no tenders, no findings due, …) scores null and its weight drops
out of the total, so a unit is neither rewarded nor punished for what it had no occasion to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# The group's default scheme (weights sum to 100). §3.4.1 names the controls; the weights are
# the platform's default and documented in the README.
WEIGHTS: dict[str, int] = {
    "invitation_compliance": 30,
    "supplier_quality": 25,
    "inspection_rectification": 20,
    "quarterly_reporting": 15,
    "dispute_settlement": 10,
}


@dataclass(frozen=True)
class YearRecord:
    """What one unit's subtree did in the year, as the read models tell it."""

    tenders_for_catalog_items: int
    tenders_compliant: int
    contracts_as_supplier: int
    incidents_against: int
    findings_due: int
    findings_rectified_on_time: int
    reports_due: int
    reports_submitted: int
    disputes_raised: int
    disputes_closed: int


@dataclass(frozen=True)
class KpiScore:
    kpi: str
    weight: int
    score: Decimal | None
    basis: str


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def score(record: YearRecord) -> tuple[list[KpiScore], Decimal | None]:
    """Each KPI's score (0 to 100, or None when there was nothing to judge) and the total."""
    r = record
    kpis = [
        KpiScore(
            "invitation_compliance",
            WEIGHTS["invitation_compliance"],
            _share(r.tenders_compliant, r.tenders_for_catalog_items)
            if r.tenders_for_catalog_items
            else None,
            f"{r.tenders_compliant} of {r.tenders_for_catalog_items} tenders for catalog items "
            "invited every catalog supplier",
        ),
        KpiScore(
            "supplier_quality",
            WEIGHTS["supplier_quality"],
            max(Decimal(0), Decimal(100) - _share(r.incidents_against, r.contracts_as_supplier))
            if r.contracts_as_supplier
            else None,
            f"{r.incidents_against} quality incidents on {r.contracts_as_supplier} contracts "
            "as supplier",
        ),
        KpiScore(
            "inspection_rectification",
            WEIGHTS["inspection_rectification"],
            _share(r.findings_rectified_on_time, r.findings_due) if r.findings_due else None,
            f"{r.findings_rectified_on_time} of {r.findings_due} inspection findings due "
            "rectified in time",
        ),
        KpiScore(
            "quarterly_reporting",
            WEIGHTS["quarterly_reporting"],
            _share(r.reports_submitted, r.reports_due) if r.reports_due else None,
            f"{r.reports_submitted} of {r.reports_due} quarterly reports due submitted",
        ),
        KpiScore(
            "dispute_settlement",
            WEIGHTS["dispute_settlement"],
            _share(r.disputes_closed, r.disputes_raised) if r.disputes_raised else None,
            f"{r.disputes_closed} of {r.disputes_raised} disputes raised closed",
        ),
    ]
    judged = [k for k in kpis if k.score is not None]
    if not judged:
        return kpis, None
    weight = sum(k.weight for k in judged)
    total = sum((k.score * k.weight for k in judged if k.score is not None), Decimal(0)) / weight
    return kpis, total.quantize(Decimal("0.1"))
