"""`/v1/reports/quarterly`: a unit's subtree figures for a quarter, live or as submitted."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.report import Quarter, QuarterlyReport
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep, with_role
from marketplace.api.schemas import Strict
from marketplace.handlers import reports
from marketplace.handlers.auth import Principal
from marketplace.inputs import QuarterText, UnitId

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


def _answer(live: reports.LiveReport) -> QuarterlyReportOut:
    return QuarterlyReportOut(
        unit_id=live.unit_id,
        quarter=str(live.quarter),
        period={"from": live.start, "to": live.end},
        units=live.units,
        figures=live.figures,
        submitted=SubmissionOut.of(live.submitted) if live.submitted else None,
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
    found = Quarter.parse(quarter)
    return _answer(await reports.read_report(svc, principal, runtime, unit_id, found))


@router.post("/submit", status_code=status.HTTP_201_CREATED, response_model=QuarterlyReportOut)
async def submit_report(
    principal: Annotated[Principal, Depends(with_role(Role.PLATFORM_ADMIN, Role.HQ_ADMIN))],
    body: SubmitIn,
    svc: ServicesDep,
    runtime: ProjectionsDep,
) -> QuarterlyReportOut:
    """Freeze the unit's report for an ended quarter (platform admin over it, or HQ); once."""
    quarter = Quarter.parse(body.quarter)
    return _answer(await reports.submit_live_report(svc, principal, runtime, body.unit_id, quarter))
