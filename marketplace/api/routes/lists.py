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
from marketplace.handlers.auth import Principal
from marketplace.handlers.organisation import chart
from marketplace.handlers.ports import Services
from marketplace.handlers.reach import Reach, reach_of
from marketplace.inputs import UnitId
from marketplace.projections import contract_list, dispute_list, incident_list, tender_list
from marketplace.projections.projection import Projection
from marketplace.projections.runtime import ProjectionRuntime
from marketplace.projections.store import RowReader

router = APIRouter()  # each list beside its records in the docs


def _reach(svc: Services, principal: Principal) -> Reach:
    return reach_of(principal, chart(svc))


async def _reader(runtime: ProjectionRuntime, projection: Projection) -> RowReader:
    return await runtime.reader(projection.name)


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
    reach = _reach(svc, principal)
    reach.require(invited_unit_id, "invited_unit_id")
    reader = await _reader(runtime, tender_list.PROJECTION)
    units = reach.narrowed(invited_unit_id)
    found = await tender_list.tenders_of(reader, units, invited_unit_id is not None, status, page)
    viewer = invited_unit_id or principal.unit_id
    ids = [str(r["tender_id"]) for r in found.items]
    bids = await tender_list.bids_of(reader, viewer, ids) if viewer else {}
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
    reach = _reach(svc, principal)
    reach.require(unit_id, "unit_id")
    reader = await _reader(runtime, contract_list.PROJECTION)
    found = await contract_list.contracts_of(reader, reach.narrowed(unit_id), role, status, page)
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
    reach = _reach(svc, principal)
    named = [(f, u) for f, u in (("supplier_unit_id", supplier_unit_id),
                                 ("demand_unit_id", demand_unit_id)) if u is not None]  # fmt: skip
    if named and not any(reach.covers(u) for _, u in named):
        reach.require(named[0][1], named[0][0])
    reader = await _reader(runtime, incident_list.PROJECTION)
    found = await incident_list.incidents_of(
        reader, reach.units, supplier_unit_id, demand_unit_id, status, page
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
    reach = _reach(svc, principal)
    reach.require(unit_id, "unit_id")
    reader = await _reader(runtime, dispute_list.PROJECTION)
    found = await dispute_list.disputes_of(reader, reach.narrowed(unit_id), status, page)
    items = [DisputeListItem.of(r) for r in found.items]
    return DisputeListOut(items=items, next_cursor=found.next_cursor)
