"""`/v1/inspections/findings`: HQ's inspection findings and their rectification (§3.4.1①)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from marketplace.aggregates.inspection import InspectionFinding
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict
from marketplace.handlers import inspections
from marketplace.inputs import Day, LongText, UnitId

router = APIRouter(prefix="/v1/inspections/findings", tags=["inspections"])

Issue = Literal["no_synergy_system", "incomplete_rules", "not_following_plan", "prohibited_conduct"]
Status = Literal["open", "overdue", "rectified"]


class FindingIn(Strict):
    unit_id: UnitId
    issue: Issue
    description: LongText = Field(min_length=1, max_length=4000)
    rectify_by: Day


class RectifiedIn(Strict):
    evidence: LongText = Field(min_length=1, max_length=4000)


class FindingOut(BaseModel):
    id: str
    unit_id: str
    platform_id: str
    sector: str
    issue: str
    description: str
    rectify_by: date
    recorded_at: datetime
    status: Status = Field(description="overdue: still open after rectify_by (group's days).")
    rectified_at: datetime | None
    late: bool | None = Field(description="Rectified after rectify_by.")
    evidence: str | None

    @classmethod
    def of(cls, f: InspectionFinding, today: date) -> FindingOut:
        return cls(
            id=f.id,
            unit_id=f.unit_id,
            platform_id=f.context.get("platform_id", ""),
            sector=f.context.get("sector", ""),
            issue=f.issue,
            description=f.description,
            rectify_by=f.rectify_by,
            recorded_at=f.recorded_at,
            status=f.status_on(today),
            rectified_at=f.rectified_at,
            late=f.late,
            evidence=f.evidence,
        )


class FindingListOut(Paged):
    items: list[FindingOut]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FindingOut)
def record(body: FindingIn, svc: ServicesDep, principal: PrincipalDep) -> FindingOut:
    """Record an inspection finding against a unit with its rectification deadline (hq_admin)."""
    finding = inspections.record_finding(
        svc, principal, body.unit_id, body.issue, body.description, body.rectify_by
    )
    return FindingOut.of(finding, svc.today())


@router.post("/{finding_id}/rectified", response_model=FindingOut)
def rectified(
    finding_id: str, body: RectifiedIn, svc: ServicesDep, principal: PrincipalDep
) -> FindingOut:
    """The unit (or a superior acting for it) reports the finding rectified, with evidence."""
    finding = inspections.rectify_finding(svc, principal, finding_id, body.evidence)
    return FindingOut.of(finding, svc.today())


@router.get("/{finding_id}", response_model=FindingOut)
def read(finding_id: str, svc: ServicesDep, principal: PrincipalDep) -> FindingOut:
    """One finding: HQ and auditors read all; a unit its own; a platform admin its subtree's."""
    finding = inspections.read_finding(svc, principal, finding_id)
    return FindingOut.of(finding, svc.today())


@router.get("", response_model=FindingListOut)
async def list_findings(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="One unit's findings.")] = None,
    status: Annotated[Status | None, Query(description="Only findings of this status.")] = None,
) -> FindingListOut:
    """Findings, the most pressing deadline first (read model). HQ and auditors see all; a
    platform admin its platform's; an operator its unit's."""
    found = await inspections.list_findings(svc, principal, runtime, unit_id, status, page)
    items = [FindingOut.model_validate(r | {"id": r["finding_id"]}) for r in found.items]
    return FindingListOut(items=items, next_cursor=found.next_cursor)
