"""`/v1/rules`: the group's rules as versioned data (paper §3.4.3①) — HQ publishes versions,
each in force from a day; a platform publishes its own assessment scheme; any token reads them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, StrictInt, field_validator, model_validator
from pydantic_core import PydanticCustomError

from marketplace.aggregates.assessment import KPIS
from marketplace.aggregates.base import DomainError
from marketplace.aggregates.rules import (
    KEEP,
    MAX_REMINDER_LEAD_HOURS,
    PlatformScheme,
    RulesVersion,
    check_split,
    check_weights,
)
from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.pages import Paged, PageDep, page_of
from marketplace.api.schemas import Strict
from marketplace.handlers import rules
from marketplace.inputs import Day, Percent, TimeOrDay, UnitId, start_of

router = APIRouter(prefix="/v1/rules", tags=["group rules"])

Weight = Annotated[StrictInt, Field(ge=0, le=100)]
ReminderLead = Annotated[StrictInt, Field(ge=1, le=MAX_REMINDER_LEAD_HOURS)]
_KPI_WORDS = ", ".join(f"`{k}`" for k in KPIS)


def _as_field_error(check: Any, *args: Any, **kwargs: Any) -> None:
    """A rule of the aggregate said as a 422 of the field it concerns (its code the type)."""
    try:
        check(*args, **kwargs)
    except DomainError as refused:
        raise PydanticCustomError(refused.code, refused.message) from None


class AssessmentIn(Strict):
    weights: dict[str, Weight] = Field(
        description=f"Every KPI's whole weight, 0 to 100, summing to 100 (0 leaves a KPI out): "
        f"{_KPI_WORDS}.",
        examples=[{"invitation_compliance": 30, "supplier_quality": 25}],
    )

    @field_validator("weights")
    @classmethod
    def known_and_whole(cls, weights: dict[str, int]) -> dict[str, int]:
        _as_field_error(check_weights, weights, every_kpi=True)
        return weights


class SchemeAssessmentIn(Strict):
    weights: dict[str, Weight] = Field(
        description=f"The KPIs the platform chose, with whole weights summing to 100: among "
        f"{_KPI_WORDS}.",
        examples=[{"invitation_compliance": 50, "supplier_quality": 50}],
    )

    @field_validator("weights")
    @classmethod
    def known_and_whole(cls, weights: dict[str, int]) -> dict[str, int]:
        _as_field_error(check_weights, weights, every_kpi=False)
        return weights


class BenefitSplitIn(Strict):
    demand: Percent = Field(description="The buying side's share of the synergy benefit.")
    supply: Percent = Field(description="The supplying side's share.")

    @model_validator(mode="after")
    def sums_to_100(self) -> Self:
        _as_field_error(check_split, self.demand, self.supply)
        return self


class RulesIn(Strict):
    """A version of the group's rules; a field left out (or null) is as in the version in force
    on `effective_from` so far, but `reminder_lead_hours`: null is the deployment's setting."""

    effective_from: Day = Field(description="Today or a later day (group time zone).")
    assessment: AssessmentIn | None = None
    internal_preference_margin_pct: Percent | None = Field(
        default=None, description="A tender's internal-preference margin when it names none."
    )
    arm_length_tolerance_pct: Percent | None = Field(
        default=None, description="How far above its reference an internal price may be."
    )
    benefit_split: BenefitSplitIn | None = None
    reminder_lead_hours: ReminderLead | None = Field(
        default=None,
        description="Hours before a deadline its reminder goes; null: the deployment's "
        "`MARKETPLACE_REMINDER_LEAD_HOURS`; left out: as before.",
    )


class SchemeIn(Strict):
    effective_from: Day = Field(description="Today or a later day (group time zone).")
    assessment: SchemeAssessmentIn


class WeightsOut(BaseModel):
    weights: dict[str, int]


class BenefitSplitOut(BaseModel):
    demand: Decimal
    supply: Decimal


class RulesOut(BaseModel):
    version: int = Field(description="0 is the built-in defaults, in force until HQ publishes.")
    effective_from: date | None = Field(description="Null for version 0.")
    published_at: datetime | None
    published_by_unit_id: str | None
    assessment: WeightsOut
    internal_preference_margin_pct: Decimal
    arm_length_tolerance_pct: Decimal
    benefit_split: BenefitSplitOut
    reminder_lead_hours: int | None = Field(description="Null: the deployment's setting.")

    @classmethod
    def of(cls, v: RulesVersion) -> RulesOut:
        return cls(
            version=v.version,
            effective_from=v.effective_from,
            published_at=v.published_at,
            published_by_unit_id=v.published_by_unit_id,
            assessment=WeightsOut(weights=v.assessment_weights),
            internal_preference_margin_pct=v.internal_preference_margin_pct,
            arm_length_tolerance_pct=v.arm_length_tolerance_pct,
            benefit_split=BenefitSplitOut(
                demand=v.benefit_split_demand_pct, supply=v.benefit_split_supply_pct
            ),
            reminder_lead_hours=v.reminder_lead_hours,
        )


class RulesPage(Paged):
    items: list[RulesOut]


class SchemeOut(BaseModel):
    platform_unit_id: str
    version: int
    effective_from: date
    published_at: datetime
    published_by_unit_id: str | None
    assessment: WeightsOut

    @classmethod
    def of(cls, s: PlatformScheme) -> SchemeOut:
        return cls(
            platform_unit_id=s.platform_unit_id,
            version=s.version,
            effective_from=s.effective_from,
            published_at=s.published_at,
            published_by_unit_id=s.published_by_unit_id,
            assessment=WeightsOut(weights=s.assessment_weights),
        )


class SchemePage(Paged):
    items: list[SchemeOut]


def publish_command(body: RulesIn) -> rules.PublishRules:
    split = body.benefit_split
    lead = body.reminder_lead_hours if "reminder_lead_hours" in body.model_fields_set else KEEP
    return rules.PublishRules(
        effective_from=body.effective_from,
        weights=body.assessment.weights if body.assessment is not None else None,
        internal_preference_margin_pct=body.internal_preference_margin_pct,
        arm_length_tolerance_pct=body.arm_length_tolerance_pct,
        benefit_split=(split.demand, split.supply) if split is not None else None,
        reminder_lead_hours=lead,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RulesOut)
def publish(body: RulesIn, svc: ServicesDep, principal: PrincipalDep) -> RulesOut:
    """Publish a version of the group's rules, in force from `effective_from` (hq_admin)."""
    return RulesOut.of(rules.publish_rules(svc, principal, publish_command(body)))


def _moment(svc: Any, at: datetime | date | None) -> datetime:
    return start_of(at, svc.zone) or svc.clock()


@router.get("", response_model=RulesOut)
def in_force(svc: ServicesDep, _: PrincipalDep, at: TimeOrDay | None = None) -> RulesOut:
    """The version in force at `at` (a time, or a day: its start in the group's time zone;
    default now)."""
    return RulesOut.of(rules.in_force_at(svc, _moment(svc, at)))


@router.get("/versions", response_model=RulesPage)
def versions(svc: ServicesDep, _: PrincipalDep, page: PageDep) -> RulesPage:
    """Every version, version 0 first, scheduled ones too."""
    found, next_cursor = page_of("rules", rules.versions(svc), lambda v: f"{v.version:08d}", page)
    return RulesPage(items=[RulesOut.of(v) for v in found], next_cursor=next_cursor)


@router.post("/platform/{unit_id}", status_code=status.HTTP_201_CREATED, response_model=SchemeOut)
def publish_scheme(
    unit_id: UnitId, body: SchemeIn, svc: ServicesDep, principal: PrincipalDep
) -> SchemeOut:
    """Publish the platform's own assessment scheme for its subtree (its platform admin, or
    hq_admin): the enterprises under it are assessed by it from `effective_from`."""
    scheme = rules.publish_platform_scheme(
        svc, principal, unit_id, body.effective_from, body.assessment.weights
    )
    return SchemeOut.of(scheme)


@router.get("/platform/{unit_id}", response_model=SchemeOut)
def scheme_in_force(
    unit_id: UnitId, svc: ServicesDep, _: PrincipalDep, at: TimeOrDay | None = None
) -> SchemeOut:
    """The platform's scheme in force at `at` (default now); 404 when its units are assessed
    by HQ's rules then."""
    day = rules.day_of(svc, _moment(svc, at))
    return SchemeOut.of(rules.platform_scheme_in_force(svc, unit_id, day))


@router.get("/platform/{unit_id}/versions", response_model=SchemePage)
def scheme_versions(
    unit_id: UnitId, svc: ServicesDep, _: PrincipalDep, page: PageDep
) -> SchemePage:
    """Every scheme the platform published, oldest first."""
    schemes = rules.platform_schemes(svc, unit_id)
    found, next_cursor = page_of(f"scheme:{unit_id}", schemes, lambda s: f"{s.version:08d}", page)
    return SchemePage(items=[SchemeOut.of(s) for s in found], next_cursor=next_cursor)
