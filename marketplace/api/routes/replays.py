"""`/v1/audit/replays`: read models rebuilt as of a moment, for auditors without a shell."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field

from marketplace.api.deps import PrincipalDep, ReplaysDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.projection_queries import (
    ArmLengthDep,
    ArmLengthExceptionsOut,
    ComplianceDep,
    ComplianceExceptionsDep,
    ComplianceExceptionsOut,
    ComplianceOut,
    ProjectionQuery,
    SupplierQualityDep,
    SupplierQualityOut,
    SynergyBenefitDep,
    SynergyBenefitOut,
    TradeVolumeDep,
    TradeVolumeOut,
)
from marketplace.api.schemas import Strict
from marketplace.audit.replay_registry import ReplayRow
from marketplace.audit.replays import Replays
from marketplace.handlers.auth import Principal
from marketplace.handlers.ports import Services
from marketplace.inputs import REPLAY_ID_PATTERN, Moment

router = APIRouter(prefix="/v1/audit/replays", tags=["audit"])
ReplayId = Annotated[str, Path(pattern=REPLAY_ID_PATTERN, max_length=68)]


class ReplayIn(Strict):
    as_of: Moment = Field(description="Rebuild the read models from the events up to here.")


class ReplayCreated(BaseModel):
    id: str


class ReplayOut(BaseModel):
    id: str
    as_of: datetime
    status: Literal["pending", "running", "done", "failed"]
    progress: float = Field(description="0 to 1: the share of the replay's work done.")
    position: int = Field(description="The event store position read so far.")
    head: int = Field(description="The event store's last position when the replay began.")
    requested_by: str = Field(description="The token that asked for it.")
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    error: str | None = Field(description="Why it failed, when `failed`.")

    @classmethod
    def of(cls, row: ReplayRow) -> ReplayOut:
        return cls.model_validate({**vars(row), "progress": float(row.progress)})


class ReplayList(Paged):
    items: list[ReplayOut]


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ReplayCreated)
async def request_replay(
    body: ReplayIn, replays: ReplaysDep, principal: PrincipalDep
) -> ReplayCreated:
    """Rebuild every read model as of `as_of` in the background (auditor, hq_admin); follow
    it at `GET /v1/audit/replays/{id}`. Kept MARKETPLACE_AUDIT_REPLAY_KEEP_HOURS hours."""
    found = await replays.request(principal, body.as_of)
    return ReplayCreated(id=found.id)


@router.get("", response_model=ReplayList)
async def list_replays(replays: ReplaysDep, principal: PrincipalDep, page: PageDep) -> ReplayList:
    """Replays, newest first (auditor, hq_admin)."""
    rows, cursor = await replays.page(principal, page)
    return ReplayList(items=[ReplayOut.of(r) for r in rows], next_cursor=cursor)


@router.get("/{replay_id}", response_model=ReplayOut)
async def get_replay(
    replay_id: ReplayId, replays: ReplaysDep, principal: PrincipalDep
) -> ReplayOut:
    """A replay's status and progress (auditor, hq_admin)."""
    return ReplayOut.of(await replays.get(principal, replay_id))


@router.delete("/{replay_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_replay(
    replay_id: ReplayId, replays: ReplaysDep, principal: PrincipalDep
) -> Response:
    """Remove a replay and its read models (stopping it if it is running)."""
    await replays.remove(principal, replay_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _answer(
    replays: Replays, svc: Services, principal: Principal, replay_id: str, query: ProjectionQuery
) -> dict[str, Any]:
    reader, _ = await replays.reader(principal, replay_id)
    return await query.answer(reader, svc.zone)


@router.get("/{replay_id}/projections/trade-volume", response_model=TradeVolumeOut)
async def replayed_trade_volume(
    replay_id: ReplayId,
    replays: ReplaysDep,
    svc: ServicesDep,
    principal: PrincipalDep,
    query: TradeVolumeDep,
) -> dict[str, Any]:
    """`GET /v1/projections/trade-volume` as of the replay's moment (same filters)."""
    return await _answer(replays, svc, principal, replay_id, query)


@router.get("/{replay_id}/projections/supplier-quality", response_model=SupplierQualityOut)
async def replayed_supplier_quality(
    replay_id: ReplayId,
    replays: ReplaysDep,
    svc: ServicesDep,
    principal: PrincipalDep,
    query: SupplierQualityDep,
) -> dict[str, Any]:
    """`GET /v1/projections/supplier-quality` as of the replay's moment (same filters)."""
    return await _answer(replays, svc, principal, replay_id, query)


@router.get("/{replay_id}/projections/invitation-compliance", response_model=ComplianceOut)
async def replayed_compliance(
    replay_id: ReplayId,
    replays: ReplaysDep,
    svc: ServicesDep,
    principal: PrincipalDep,
    query: ComplianceDep,
) -> dict[str, Any]:
    """`GET /v1/projections/invitation-compliance` as of the replay's moment (same filters)."""
    return await _answer(replays, svc, principal, replay_id, query)


@router.get(
    "/{replay_id}/projections/invitation-compliance/exceptions",
    response_model=ComplianceExceptionsOut,
)
async def replayed_compliance_exceptions(
    replay_id: ReplayId,
    replays: ReplaysDep,
    svc: ServicesDep,
    principal: PrincipalDep,
    query: ComplianceExceptionsDep,
) -> dict[str, Any]:
    """`GET /v1/projections/invitation-compliance/exceptions` as of the replay's moment."""
    return await _answer(replays, svc, principal, replay_id, query)


@router.get("/{replay_id}/projections/synergy-benefit", response_model=SynergyBenefitOut)
async def replayed_synergy_benefit(
    replay_id: ReplayId,
    replays: ReplaysDep,
    svc: ServicesDep,
    principal: PrincipalDep,
    query: SynergyBenefitDep,
) -> dict[str, Any]:
    """`GET /v1/projections/synergy-benefit` as of the replay's moment (same filters)."""
    return await _answer(replays, svc, principal, replay_id, query)


@router.get("/{replay_id}/projections/arm-length-exceptions", response_model=ArmLengthExceptionsOut)
async def replayed_arm_length_exceptions(
    replay_id: ReplayId,
    replays: ReplaysDep,
    svc: ServicesDep,
    principal: PrincipalDep,
    query: ArmLengthDep,
) -> dict[str, Any]:
    """`GET /v1/projections/arm-length-exceptions` as of the replay's moment: the prices a tax
    or audit team questions, as the books stood then."""
    return await _answer(replays, svc, principal, replay_id, query)
