"""`GET /v1/tenders`, `/v1/contracts`, `/v1/quality-incidents`, `/v1/disputes`: what concerns a
unit, from the read models, within the caller's reach (own unit, a platform's subtree, all)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.list_schemas import (
    ContractListItem,
    ContractListOut,
    DisputeListItem,
    DisputeListOut,
    IncidentListItem,
    IncidentListOut,
    TenderListItem,
    TenderListOut,
)
from marketplace.api.pages import PageDep
from marketplace.handlers import lists
from marketplace.inputs import UnitId

router = APIRouter()  # each list beside its records in the docs


@router.get("/v1/tenders", response_model=TenderListOut, tags=["tenders"])
async def list_tenders(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    invited_unit_id: Annotated[
        UnitId | None,
        Query(
            description="Only tenders this unit is invited to. Default: those where a unit "
            "within reach is the demand unit or invited."
        ),
    ] = None,
    status: Annotated[Literal["open", "opened", "awarded"] | None, Query()] = None,
) -> TenderListOut:
    """Tenders, newest first, each with whether the viewing unit has bid (never an amount).

    For the unit's operators, its platform admins, HQ and auditors: without `invited_unit_id`,
    the tenders where a unit within the token's reach is the demand unit or invited."""
    tenders = await lists.tenders(svc, principal, runtime, invited_unit_id, status, page)
    found, bids = tenders.found, tenders.my_bids
    items = [TenderListItem.of(r, bids.get(str(r["tender_id"]))) for r in found.items]
    return TenderListOut(items=items, next_cursor=found.next_cursor)


@router.get("/v1/contracts", response_model=ContractListOut, tags=["contracts"])
async def list_contracts(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="A party: demand or supply side.")] = None,
    role: Annotated[
        Literal["demand", "supply"] | None, Query(description="Only that side. Default: both.")
    ] = None,
    status: Annotated[
        Literal["awaiting_signatures", "pricing", "active", "completed", "terminated"] | None,
        Query(),
    ] = None,
) -> ContractListOut:
    """Contracts, newest first, where the unit (default: any within reach) is a party.

    For the unit's operators, its platform admins, HQ and auditors."""
    found = await lists.contracts(svc, principal, runtime, unit_id, role, status, page)
    items = [ContractListItem.of(r) for r in found.items]
    return ContractListOut(items=items, next_cursor=found.next_cursor)


@router.get("/v1/quality-incidents", response_model=IncidentListOut, tags=["contracts"])
async def list_incidents(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    supplier_unit_id: Annotated[UnitId | None, Query(description="The supplier side.")] = None,
    demand_unit_id: Annotated[UnitId | None, Query(description="The demand side.")] = None,
    status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
) -> IncidentListOut:
    """Quality incidents, newest first, where a unit within the token's reach is a party.

    With both unit filters, one of them within reach is enough (a supplier asking about one
    customer); the answer still holds only incidents of units within reach."""
    found = await lists.incidents(
        svc, principal, runtime, supplier_unit_id, demand_unit_id, status, page
    )
    items = [IncidentListItem.model_validate(r) for r in found.items]
    return IncidentListOut(items=items, next_cursor=found.next_cursor)


@router.get("/v1/disputes", response_model=DisputeListOut, tags=["disputes"])
async def list_disputes(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="A party or the mediator unit.")] = None,
    status: Annotated[
        Literal["negotiating", "in_mediation", "resolved", "settled", "withdrawn"] | None,
        Query(),
    ] = None,
) -> DisputeListOut:
    """Disputes, newest first, where the unit (default: any within reach) is a party or the
    mediator unit. For the unit's operators, its platform admins, HQ and auditors."""
    found = await lists.disputes(svc, principal, runtime, unit_id, status, page)
    items = [DisputeListItem.of(r) for r in found.items]
    return DisputeListOut(items=items, next_cursor=found.next_cursor)
