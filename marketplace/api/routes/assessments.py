"""`/v1/assessments/annual`: every unit's KPIs for a year, their weights, scores and total."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep, page_of
from marketplace.handlers import assessments, reports
from marketplace.inputs import UnitId

router = APIRouter(prefix="/v1/assessments", tags=["reports"])


class KpiOut(BaseModel):
    kpi: str
    weight: int
    score: Decimal | None = Field(description="0 to 100; null when there was nothing to judge.")
    basis: str = Field(description="What the score is based on, as a sentence (English).")
    basis_code: str = Field(
        description="The basis as data: which counts it names (`tenders_inviting_every_catalog_"
        "supplier`, `incidents_on_contracts_as_supplier`, `findings_rectified_in_time`, "
        "`quarterly_reports_submitted`, `disputes_closed`, `action_items_done_by_due_day`)…",
        examples=["findings_rectified_in_time"],
    )
    basis_facts: dict[str, int] = Field(
        description="…and the counts, by name (the sentence's numbers).",
        examples=[{"rectified_in_time": 3, "due": 4}],
    )


class UnitAssessmentOut(BaseModel):
    unit_id: str
    level: str
    kpis: list[KpiOut]
    total: Decimal | None = Field(description="Weighted over the KPIs that were judged.")


class AnnualAssessmentOut(Paged):
    year: int
    items: list[UnitAssessmentOut]


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
    # Paged before scoring: only the page's units are counted (in one pass, see
    # `assessments.year_records`).
    units, next_cursor = page_of(f"assessments:{year}", units, str, page)
    items = [
        UnitAssessmentOut(
            unit_id=a.unit_id,
            level=a.level,
            kpis=[
                KpiOut(
                    kpi=k.kpi,
                    weight=k.weight,
                    score=k.score,
                    basis=k.basis,
                    basis_code=k.basis_code,
                    basis_facts=k.basis_facts,
                )
                for k in a.kpis
            ],
            total=a.total,
        )
        for a in await assessments.annual(svc, runtime, units, year)
    ]
    return AnnualAssessmentOut(year=year, items=items, next_cursor=next_cursor)
