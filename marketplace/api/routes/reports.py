"""`/v1/reports/quarterly`: a unit's subtree figures for a quarter, live or as submitted."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.report import Quarter, QuarterlyReport, figures_of
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep, with_role
from marketplace.api.schemas import Strict
from marketplace.handlers import reports
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.inputs import QuarterText, UnitId
from marketplace.projections import report_facts
from marketplace.projections.runtime import ProjectionRuntime

router = APIRouter(prefix="/v1/reports/quarterly", tags=["reports"])


class SubmissionOut(BaseModel):
    submitted_at: datetime
    submitted_by: dict[str, str | None]
    units: list[str]
    figures: dict[str, Any]

    @classmethod
    def of(cls, report: QuarterlyReport) -> SubmissionOut:
        by = report.submitted_by
        return cls(
            submitted_at=report.submitted_at,
            submitted_by={"unit_id": by.unit_id, "token_id": by.token_id},
            units=report.units,
            figures=report.figures,
        )


class QuarterlyReportOut(BaseModel):
    unit_id: str
    quarter: str
    period: dict[str, datetime] = Field(description="[from, to) in the group's time zone.")
    units: list[str] = Field(description="The unit and its subtree in today's chart.")
    figures: dict[str, Any] = Field(description="Live figures from the record.")
    submitted: SubmissionOut | None = Field(description="The frozen report, once submitted.")


class SubmitIn(Strict):
    unit_id: UnitId
    quarter: QuarterText = Field(examples=["2027Q1"])


async def _live(
    svc: Services, runtime: ProjectionRuntime, unit_id: str, quarter: Quarter
) -> QuarterlyReportOut:
    """The live figures, without the submitted report (see `submitted`)."""
    units = await asyncio.to_thread(reports.subtree, svc, unit_id)
    start, end = quarter.bounds(svc.zone)
    reader = await runtime.reader(report_facts.PROJECTION.name)
    return QuarterlyReportOut(
        unit_id=unit_id,
        quarter=str(quarter),
        period={"from": start, "to": end},
        units=units,
        figures=figures_of(await report_facts.totals(reader, units, start, end)),
        submitted=None,
    )


@router.get("", response_model=QuarterlyReportOut)
async def read_report(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    unit_id: UnitId,
    quarter: Annotated[QuarterText, Query(examples=["2027Q1"])],
) -> QuarterlyReportOut:
    """The unit's subtree figures for the quarter: internal trade as supplier and as buyer,
    tenders and their compliance, external sourcing, quality incidents, disputes; and the
    submitted report, if any. For the unit's side and superiors, auditors and BI readers."""
    await asyncio.to_thread(reports.require_reader, svc, principal, unit_id)
    found = Quarter.parse(quarter)
    live = await _live(svc, runtime, unit_id, found)
    frozen = await asyncio.to_thread(reports.submitted, svc, unit_id, found)
    live.submitted = SubmissionOut.of(frozen) if frozen else None
    return live


@router.post("/submit", status_code=status.HTTP_201_CREATED, response_model=QuarterlyReportOut)
async def submit_report(
    principal: Annotated[Principal, Depends(with_role(Role.PLATFORM_ADMIN, Role.HQ_ADMIN))],
    body: SubmitIn,
    svc: ServicesDep,
    runtime: ProjectionsDep,
) -> QuarterlyReportOut:
    """Freeze the unit's report for an ended quarter (platform admin over it, or HQ); once."""
    quarter = Quarter.parse(body.quarter)
    live = await _live(svc, runtime, body.unit_id, quarter)
    frozen = await asyncio.to_thread(
        reports.submit_report, svc, principal, body.unit_id, quarter, live.units, live.figures
    )
    live.submitted = SubmissionOut.of(frozen)
    return live
