"""The annual assessment (paper §3.4.3②): per unit, each KPI's score from the year's record,
its weight and the weighted total. Pure computation; the figures come in from read models.

A KPI with nothing to judge (no tenders, no findings due, …) scores null and its weight drops
out of the total, so a unit is neither rewarded nor punished for what it had no occasion to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

# The built-in scheme (weights sum to 100): the group rules' version 0, in force until HQ
# publishes weights of its own (aggregates/rules.py), and the one place the KPIs' default
# weights are named. §3.4.1 names the controls; the paper leaves the weights to the group's
# rules. The work meetings' follow-up (§3.4.2③) weighs as much as settling disputes: both are
# coordination a unit owes the group, less than trading by the rules (the first two).
WEIGHTS: dict[str, int] = {
    "invitation_compliance": 30,
    "supplier_quality": 25,
    "inspection_rectification": 15,
    "quarterly_reporting": 10,
    "dispute_settlement": 10,
    "action_items_on_time": 10,
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
    action_items_due: int = 0
    action_items_on_time: int = 0


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
    "action_items_on_time": ("action_items_done_by_due_day", ("on_time", "due")),
}


# Every KPI the platform computes, in the order pages show them: what a scheme may weigh.
KPIS: tuple[str, ...] = tuple(BASIS_CODES)


def _kpi(kpi: str, value: Decimal | None, counts: tuple[int, int], basis: str) -> KpiScore:
    code, names = BASIS_CODES[kpi]
    return KpiScore(kpi, 0, value, basis, code, dict(zip(names, counts, strict=True)))


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"))


def score(
    record: YearRecord, weights: Mapping[str, int] = WEIGHTS
) -> tuple[list[KpiScore], Decimal | None]:
    """Each KPI the scheme `weights` weighs (a KPI it leaves out or weighs 0 is not assessed),
    with its weight and score (0 to 100, or None when there was nothing to judge), and the
    total: the weighted mean of the KPIs judged."""
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
        _kpi(
            "action_items_on_time",
            _share(r.action_items_on_time, r.action_items_due) if r.action_items_due else None,
            (r.action_items_on_time, r.action_items_due),
            f"{r.action_items_on_time} of {r.action_items_due} meeting action items due "
            "done by their due day",
        ),
    ]
    kpis = [replace(k, weight=weights[k.kpi]) for k in kpis if weights.get(k.kpi, 0) > 0]
    judged = [k for k in kpis if k.score is not None]
    if not judged:
        return kpis, None
    weight = sum(k.weight for k in judged)
    total = sum((k.score * k.weight for k in judged if k.score is not None), Decimal(0)) / weight
    return kpis, total.quantize(Decimal("0.1"))
