"""`/v1/projections`: the read models' state; the group's trade, quality and invitation figures."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep, page_of
from marketplace.api.projection_queries import (
    ArmLengthDep,
    ArmLengthExceptionsOut,
    ComplianceDep,
    ComplianceExceptionsDep,
    ComplianceExceptionsOut,
    ComplianceOut,
    SupplierQualityDep,
    SupplierQualityOut,
    SynergyBenefitDep,
    SynergyBenefitOut,
    TradeVolumeDep,
    TradeVolumeOut,
)
from marketplace.api.schemas import ProjectionFailureOut
from marketplace.handlers import analytics
from marketplace.projections import (
    invitation_compliance,
    supplier_quality,
    synergy_benefit,
    trade_volume,
)

router = APIRouter(prefix="/v1/projections")
# Tags by route: invitation compliance is documented with the tenders.


class ProjectionStatusOut(BaseModel):
    name: str
    version: int = Field(description="The version this code builds.")
    stored_version: int | None = Field(description="The version stored; null: never built.")
    position: int = Field(description="Event store position applied (highest, when from Kafka).")
    head: int = Field(description="The event store's last position.")
    lag: int | None = Field(
        description="Events of the projection's own topics it has not applied yet (0: caught "
        "up). In-process: those after `position`; from Kafka: per partition of its topics, the "
        "end offset minus the next offset it applied; null while the broker does not answer."
    )
    feed: str = Field(examples=["in_process", "kafka"])
    state: str = Field(
        examples=["current", "catching_up", "rebuilding", "stale", "not_built", "failed"],
        description="`failed`: an event cannot be applied; reads answer from the rows it has "
        "until `marketplace projections rebuild NAME` (or a version bump) rebuilds it.",
    )
    failure: ProjectionFailureOut | None = Field(
        default=None, description="Why and where it stopped, when `failed`."
    )


class ProjectionStatusList(Paged):
    items: list[ProjectionStatusOut]


@router.get("/status", response_model=ProjectionStatusList, tags=["projections"])
async def projection_status(
    runtime: ProjectionsDep, _: PrincipalDep, page: PageDep
) -> ProjectionStatusList:
    """Per projection: its position, the event store's head and the lag (any token)."""
    found, next_cursor = page_of("projections", await runtime.status(), lambda s: s.name, page)
    items = [ProjectionStatusOut(**asdict(s)) for s in found]
    return ProjectionStatusList(items=items, next_cursor=next_cursor)


@router.get("/trade-volume", response_model=TradeVolumeOut, tags=["projections"])
async def trade_volume_rows(
    svc: ServicesDep, runtime: ProjectionsDep, principal: PrincipalDep, query: TradeVolumeDep
) -> dict[str, Any]:
    """Internal trade between group units: contracts, amount (once active), delivered amount.

    `sector` groups by the supplier's sector as it was at the award; `from`/`to` bound the
    time the contracts became active."""
    analytics.require_analyst(principal)
    reader = await runtime.reader(trade_volume.PROJECTION.name)
    return await query.answer(reader, svc.zone)


@router.get("/synergy-benefit", response_model=SynergyBenefitOut, tags=["projections"])
async def synergy_benefit_rows(
    svc: ServicesDep, runtime: ProjectionsDep, principal: PrincipalDep, query: SynergyBenefitDep
) -> dict[str, Any]:
    """The synergy benefit of buying inside (paper 2.1), of the contracts activated in
    `from`/`to`: per group and in total, benefit = (reference - agreed unit price) * quantity
    and its demand and supply shares by the rules in force at each activation; contracts
    without a reference are only counted (`no_reference`). `sector`: the supplier's."""
    analytics.require_analyst(principal)
    reader = await runtime.reader(synergy_benefit.PROJECTION.name)
    return await query.answer(reader, svc.zone)


@router.get("/arm-length-exceptions", response_model=ArmLengthExceptionsOut, tags=["projections"])
async def arm_length_exceptions(
    svc: ServicesDep, runtime: ProjectionsDep, principal: PrincipalDep, query: ArmLengthDep
) -> dict[str, Any]:
    """Contracts activated in `from`/`to` priced above their reference by more than the rules'
    `arm_length_tolerance_pct` in force at their activation (related-party pricing), newest
    first."""
    analytics.require_analyst(principal)
    reader = await runtime.reader(synergy_benefit.PROJECTION.name)
    return await query.answer(reader, svc.zone)


@router.get("/supplier-quality", response_model=SupplierQualityOut, tags=["projections"])
async def supplier_quality_rows(
    svc: ServicesDep, runtime: ProjectionsDep, principal: PrincipalDep, query: SupplierQualityDep
) -> dict[str, Any]:
    """Per supplier: incidents, open ones, by kind and severity, contracts, incidents/contract.

    HQ, auditors and BI readers read every supplier's; a supplier's operators and its platform
    admins read that supplier's own (with `supplier_unit_id`)."""
    analytics.require_quality_reader(svc, principal, query.supplier_unit_id)
    reader = await runtime.reader(supplier_quality.PROJECTION.name)
    return await query.answer(reader, svc.zone)


@router.get("/invitation-compliance", response_model=ComplianceOut, tags=["tenders"])
async def compliance(
    svc: ServicesDep, runtime: ProjectionsDep, principal: PrincipalDep, query: ComplianceDep
) -> dict[str, Any]:
    """Per demand unit or platform: tenders for catalog items, compliant, exception_filed, rate."""
    analytics.require_analyst(principal)
    reader = await runtime.reader(invitation_compliance.PROJECTION.name)
    return await query.answer(reader, svc.zone)


@router.get(
    "/invitation-compliance/exceptions", response_model=ComplianceExceptionsOut, tags=["tenders"]
)
async def compliance_exceptions(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    query: ComplianceExceptionsDep,
) -> dict[str, Any]:
    """Tenders launched with a filed omission and its reason (for HQ's review)."""
    analytics.require_analyst(principal)
    reader = await runtime.reader(invitation_compliance.PROJECTION.name)
    return await query.answer(reader, svc.zone)
