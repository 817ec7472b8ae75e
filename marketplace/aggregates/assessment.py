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
    """One KPI's weight and score, and its basis: as a sentence (English) and as data — a
    code naming the sentence and the counts it names (`BASIS_CODES`), for pages in any
    language."""

    kpi: str
    weight: int
    score: Decimal | None
    basis: str
    basis_code: str
    basis_facts: dict[str, int]


# Each KPI's basis: its code and the counts it names, in the order the sentence names them.
BASIS_CODES: dict[str, tuple[str, tuple[str, str]]] = {
    "invitation_compliance": ("tenders_inviting_every_catalog_supplier", ("compliant", "tenders")),
    "supplier_quality": ("incidents_on_contracts_as_supplier", ("incidents", "contracts")),
    "inspection_rectification": ("findings_rectified_in_time", ("rectified_in_time", "due")),
    "quarterly_reporting": ("quarterly_reports_submitted", ("submitted", "due")),
    "dispute_settlement": ("disputes_closed", ("closed", "raised")),
}


def _kpi(kpi: str, value: Decimal | None, counts: tuple[int, int], basis: str) -> KpiScore:
    code, names = BASIS_CODES[kpi]
    return KpiScore(kpi, WEIGHTS[kpi], value, basis, code, dict(zip(names, counts, strict=True)))


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def score(record: YearRecord) -> tuple[list[KpiScore], Decimal | None]:
    """Each KPI's score (0 to 100, or None when there was nothing to judge) and the total."""
    r = record
    kpis = [
        _kpi(
            "invitation_compliance",
            _share(r.tenders_compliant, r.tenders_for_catalog_items)
            if r.tenders_for_catalog_items
            else None,
            (r.tenders_compliant, r.tenders_for_catalog_items),
            f"{r.tenders_compliant} of {r.tenders_for_catalog_items} tenders for catalog items "
            "invited every catalog supplier",
        ),
        _kpi(
            "supplier_quality",
            max(Decimal(0), Decimal(100) - _share(r.incidents_against, r.contracts_as_supplier))
            if r.contracts_as_supplier
            else None,
            (r.incidents_against, r.contracts_as_supplier),
            f"{r.incidents_against} quality incidents on {r.contracts_as_supplier} contracts "
            "as supplier",
        ),
        _kpi(
            "inspection_rectification",
            _share(r.findings_rectified_on_time, r.findings_due) if r.findings_due else None,
            (r.findings_rectified_on_time, r.findings_due),
            f"{r.findings_rectified_on_time} of {r.findings_due} inspection findings due "
            "rectified in time",
        ),
        _kpi(
            "quarterly_reporting",
            _share(r.reports_submitted, r.reports_due) if r.reports_due else None,
            (r.reports_submitted, r.reports_due),
            f"{r.reports_submitted} of {r.reports_due} quarterly reports due submitted",
        ),
        _kpi(
            "dispute_settlement",
            _share(r.disputes_closed, r.disputes_raised) if r.disputes_raised else None,
            (r.disputes_closed, r.disputes_raised),
            f"{r.disputes_closed} of {r.disputes_raised} disputes raised closed",
        ),
    ]
    judged = [k for k in kpis if k.score is not None]
    if not judged:
        return kpis, None
    weight = sum(k.weight for k in judged)
    total = sum((k.score * k.weight for k in judged if k.score is not None), Decimal(0)) / weight
    return kpis, total.quantize(Decimal("0.1"))
