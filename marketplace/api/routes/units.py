"""`/v1/units`: the group's organisation chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from marketplace.aggregates.organisation import Level
from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.schemas import UnitIn, UnitList, UnitOut, UnitPatch
from marketplace.handlers import units

router = APIRouter(prefix="/v1/units", tags=["organisation"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=UnitOut)
def register_unit(
    body: UnitIn, svc: ServicesDep, principal: PrincipalDep, response: Response
) -> UnitOut:
    """Register a unit (hq_admin)."""
    unit = units.register_unit(
        svc,
        principal,
        units.RegisterUnit(
            body.id,
            body.name,
            body.level,
            body.parent_id,
            body.sector,
        ),
    )
    response.headers["Location"] = f"/v1/units/{unit.id}"
    return UnitOut.of(unit)


@router.patch("/{unit_id}", response_model=UnitOut)
def update_unit(
    unit_id: str, body: UnitPatch, svc: ServicesDep, principal: PrincipalDep
) -> UnitOut:
    """Rename, move, change the sector of, deactivate or reactivate a unit (hq_admin)."""
    unit = units.update_unit(
        svc,
        principal,
        units.UpdateUnit(
            unit_id,
            body.name,
            body.parent_id,
            body.sector,
            body.active,
        ),
    )
    return UnitOut.of(unit)


@router.get("", response_model=UnitList)
def list_units(
    svc: ServicesDep,
    _: PrincipalDep,
    parent_id: str | None = None,
    level: Level | None = None,
    sector: str | None = None,
    active: bool | None = None,
    within: Annotated[str | None, Query(description="Only this unit's subtree.")] = None,
) -> UnitList:
    """List units, optionally filtered."""
    found = units.list_units(
        svc, parent_id=parent_id, level=level, sector=sector, active=active, within=within
    )
    return UnitList(items=[UnitOut.of(u) for u in found])


@router.get("/{unit_id}", response_model=UnitOut)
def get_unit(unit_id: str, svc: ServicesDep, _: PrincipalDep) -> UnitOut:
    """One unit."""
    return UnitOut.of(units.get_unit(svc, unit_id))
