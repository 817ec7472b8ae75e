"""`/v1/assessments/annual`: every unit's KPIs for a year, their weights, scores and total, the
rules that weighed them, and HQ's rewards and penalties for the year (recorded here too)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.assessment_decision import AssessmentDecision
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep, page_of
from marketplace.api.schemas import ReasonIn, Strict
from marketplace.handlers import assessment_decisions, assessments, reports
from marketplace.inputs import Identifier, LongText, Money, UnitId

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


class SchemeRefOut(BaseModel):
    platform_unit_id: str
    version: int


class DecisionOut(BaseModel):
    decision_id: str
    year: int
    unit_id: str
    kind: str = Field(examples=["reward", "penalty"])
    amount: Decimal | None = Field(description="CNY; null when none was named.")
    reason: str
    supersedes: str | None = Field(description="The decision this one corrected.")
    status: str = Field(examples=["in_effect", "superseded", "withdrawn"])
    recorded_at: datetime
    superseded_by: str | None
    withdrawal_reason: str | None
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, d: AssessmentDecision) -> DecisionOut:
        return cls(
            decision_id=d.id, year=d.year, unit_id=d.unit_id, kind=d.kind, amount=d.amount,
            reason=d.reason, supersedes=d.supersedes, status=d.status, recorded_at=d.recorded_at,
            superseded_by=d.superseded_by, withdrawal_reason=d.withdrawal_reason,
            withdrawn_at=d.withdrawn_at,
        )  # fmt: skip

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> DecisionOut:
        return cls.model_validate({name: row[name] for name in cls.model_fields})


class UnitAssessmentOut(BaseModel):
    unit_id: str
    level: str
    kpis: list[KpiOut] = Field(
        description="The KPIs the scheme in use weighs (a KPI it leaves out or weighs 0 is not "
        "assessed)."
    )
    total: Decimal | None = Field(description="Weighted over the KPIs that were judged.")
    rules_version: int = Field(
        description="HQ's rules version in force on the year's last day (0: the defaults)."
    )
    platform_scheme: SchemeRefOut | None = Field(
        description="An enterprise's platform's own scheme that weighed it, if one was in force "
        "on the year's last day; null: HQ's weights."
    )
    decisions: list[DecisionOut] = Field(
        description="HQ's rewards and penalties for the year, the latest first, corrected and "
        "withdrawn ones too (see `status`)."
    )


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
            rules_version=a.rules_version,
            platform_scheme=None
            if a.platform_scheme is None
            else SchemeRefOut(
                platform_unit_id=a.platform_scheme.platform_unit_id,
                version=a.platform_scheme.version,
            ),
            decisions=[DecisionOut.of_row(row) for row in a.decisions],
        )
        for a in await assessments.annual(svc, runtime, units, year)
    ]
    return AnnualAssessmentOut(year=year, items=items, next_cursor=next_cursor)


class DecisionIn(Strict):
    unit_id: UnitId = Field(description="A platform or an enterprise.")
    kind: Literal["reward", "penalty"]
    amount: Money | None = None
    reason: LongText = Field(min_length=1, max_length=2000)
    supersedes: Identifier | None = Field(
        default=None,
        description="A decision of the same unit and year this one corrects: it is withdrawn "
        "as superseded by this one.",
    )


class DecisionsIn(Strict):
    """The decisions, all recorded or none. CONTRACT.md's form is the bare list
    `[{"unit_id", "kind", "amount"?, "reason"}]`, taken too; the Kafka command carries the
    object (its `data` also holds the path's `year`)."""

    decisions: list[DecisionIn] = Field(min_length=1, max_length=500)

    @model_validator(mode="before")
    @classmethod
    def a_bare_list(cls, data: Any) -> Any:
        return {"decisions": data} if isinstance(data, list) else data


class DecisionsOut(BaseModel):
    year: int
    decisions: list[DecisionOut]


Year = Annotated[int, Path(ge=2000, le=2100)]


@router.post(
    "/annual/{year}/decisions", status_code=status.HTTP_201_CREATED, response_model=DecisionsOut
)
def record_decisions(
    year: Year, body: DecisionsIn, svc: ServicesDep, principal: PrincipalDep
) -> DecisionsOut:
    """Record rewards and penalties for an ended year (hq_admin): `409 year_not_ended` before."""
    made = assessment_decisions.record_decisions(
        svc,
        principal,
        year,
        [
            assessment_decisions.Decide(d.unit_id, d.kind, d.reason, d.amount, d.supersedes)
            for d in body.decisions
        ],
    )
    return DecisionsOut(year=year, decisions=[DecisionOut.of(d) for d in made])


@router.post("/annual/{year}/decisions/{decision_id}/withdraw", response_model=DecisionOut)
def withdraw_decision(
    year: Year, decision_id: str, body: ReasonIn, svc: ServicesDep, principal: PrincipalDep
) -> DecisionOut:
    """Withdraw a decision made in error (hq_admin); it stays on record, withdrawn."""
    decision = assessment_decisions.withdraw_decision(
        svc, principal, year, decision_id, body.reason
    )
    return DecisionOut.of(decision)
