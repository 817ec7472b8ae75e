"""`/v1/assessments/annual`: every unit's KPIs for a year, their weights, scores and total."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from marketplace.aggregates.assessment import YearRecord, score
from marketplace.aggregates.inspection import finding_status
from marketplace.aggregates.organisation import Level
from marketplace.aggregates.report import Quarter
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep, page_of
from marketplace.handlers import reports
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services
from marketplace.inputs import UnitId
from marketplace.projections import inspection_findings, report_facts
from marketplace.projections.store import RowReader

router = APIRouter(prefix="/v1/assessments", tags=["reports"])


class KpiOut(BaseModel):
    kpi: str
    weight: int
    score: Decimal | None = Field(description="0 to 100; null when there was nothing to judge.")
    basis: str


class UnitAssessmentOut(BaseModel):
    unit_id: str
    level: str
    kpis: list[KpiOut]
    total: Decimal | None = Field(description="Weighted over the KPIs that were judged.")


class AnnualAssessmentOut(Paged):
    year: int
    items: list[UnitAssessmentOut]


async def year_record(
    svc: Services,
    facts: RowReader,
    findings: RowReader,
    unit_id: str,
    year: int,
    on: date,
) -> YearRecord:
    """The unit's subtree's record for the year, as of the day `on`."""
    units = await asyncio.to_thread(reports.subtree, svc, unit_id)
    start = datetime.combine(date(year, 1, 1), time(), svc.zone)
    end = datetime.combine(date(year + 1, 1, 1), time(), svc.zone)
    totals = await report_facts.totals(facts, units, start, end)

    def count(metric: str) -> int:
        return totals.get(metric, (0, Decimal(0)))[0]

    due = [
        f
        for f in await inspection_findings.due_between(
            findings, units, date(year, 1, 1), date(year + 1, 1, 1)
        )
        # Due: rectified, or past its deadline; one still open before it is not judged yet.
        if finding_status(bool(f["rectified"]), date.fromisoformat(f["rectify_by"]), on) != "open"
    ]
    reports_due, reports_submitted = 0, 0
    if chart(svc).get(unit_id).level is Level.PLATFORM:  # the secondary enterprises report
        ended = [q for n in range(1, 5) if (q := Quarter(year, n)).next_first_day <= on]
        found = [await asyncio.to_thread(reports.submitted, svc, unit_id, q) for q in ended]
        reports_due, reports_submitted = len(ended), sum(r is not None for r in found)
    return YearRecord(
        tenders_for_catalog_items=count("tenders_compliant") + count("tenders_exception_filed"),
        tenders_compliant=count("tenders_compliant"),
        contracts_as_supplier=count("sold"),
        incidents_against=count("incidents_against"),
        findings_due=len(due),
        findings_rectified_on_time=sum(bool(f["rectified"] and not f["late"]) for f in due),
        reports_due=reports_due,
        reports_submitted=reports_submitted,
        disputes_raised=count("disputes_raised"),
        disputes_closed=count("disputes_closed"),
    )


@router.get("/annual", response_model=AnnualAssessmentOut)
async def annual(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    unit_id: Annotated[UnitId | None, Query(description="Only this unit.")] = None,
) -> AnnualAssessmentOut:
    """Per unit (every platform and enterprise): each KPI with its weight and score, and the
    weighted total, from the year's record (up to today for the running year)."""
    units = await asyncio.to_thread(reports.assessed_units, svc, principal, unit_id)
    # Paged before scoring: each unit's record is read separately.
    units, next_cursor = page_of(f"assessments:{year}", units, str, page)
    facts = await runtime.reader(report_facts.PROJECTION.name)
    findings = await runtime.reader(inspection_findings.PROJECTION.name)
    on = svc.today()
    org = chart(svc)
    items = []
    for unit in units:
        record = await year_record(svc, facts, findings, unit, year, on)
        kpis, total = score(record)
        items.append(
            UnitAssessmentOut(
                unit_id=unit,
                level=org.get(unit).level.value,
                kpis=[
                    KpiOut(kpi=k.kpi, weight=k.weight, score=k.score, basis=k.basis) for k in kpis
                ],
                total=total,
            )
        )
    return AnnualAssessmentOut(year=year, items=items, next_cursor=next_cursor)
