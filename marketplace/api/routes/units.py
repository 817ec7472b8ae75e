"""`/v1/units`: the group's organisation chart."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from marketplace.aggregates.organisation import Language, Level, Unit
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict
from marketplace.handlers import units
from marketplace.inputs import ShortText, UnitId
from marketplace.projections import directory

router = APIRouter(prefix="/v1/units", tags=["organisation"])


class UnitIn(Strict):
    id: UnitId = Field(examples=["PWR-01"])
    name: ShortText = Field(min_length=1, max_length=200, examples=["Power Generation Co. 1"])
    level: Level
    parent_id: UnitId | None = Field(default=None, examples=["PWR"])
    sector: ShortText | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        examples=["power"],
        description="Defaults to the parent's sector (the group's is 'group').",
    )


class UnitPatch(Strict):
    name: ShortText | None = Field(default=None, min_length=1, max_length=200)
    parent_id: UnitId | None = None
    sector: ShortText | None = Field(default=None, min_length=1, max_length=64)
    active: bool | None = None
    language: Language | None = Field(
        default=None,
        description="The language of the unit's notifications (zh-CN until changed). A body "
        "with only `language` may come from whoever acts for the unit; the rest is hq_admin's.",
    )


class UnitRow(BaseModel):
    """A unit as the directory lists it."""

    id: str
    name: str
    level: Level
    parent_id: str | None
    sector: str
    active: bool


class UnitOut(UnitRow):
    language: Language = Field(description="The language of the unit's notifications.")

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        return cls(
            id=unit.id,
            name=unit.name,
            level=unit.level,
            parent_id=unit.parent_id,
            sector=unit.sector,
            active=unit.active,
            language=unit.language,
        )


class DirectoryUnitOut(UnitRow):
    changed_at: datetime


class DirectoryUnitList(Paged):
    items: list[DirectoryUnitOut]


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
    """Rename, move, change the sector of, deactivate or reactivate a unit (hq_admin); set the
    language of its notifications (whoever acts for the unit)."""
    unit = units.update_unit(
        svc,
        principal,
        units.UpdateUnit(
            unit_id,
            body.name,
            body.parent_id,
            body.sector,
            body.active,
            body.language,
        ),
    )
    return UnitOut.of(unit)


@router.get("", response_model=DirectoryUnitList)
async def list_units(
    runtime: ProjectionsDep,
    _: PrincipalDep,
    page: PageDep,
    parent_id: UnitId | None = None,
    level: Level | None = None,
    sector: Annotated[ShortText | None, Query(max_length=64)] = None,
    active: bool | None = None,
    within: Annotated[UnitId | None, Query(description="Only this unit's subtree.")] = None,
) -> DirectoryUnitList:
    """List units in id order, optionally filtered (from the directory read model), paged."""
    found = await directory.units_page(
        await runtime.reader(directory.PROJECTION.name),
        page,
        parent_id=parent_id,
        level=level.value if level else None,
        sector=sector,
        active=active,
        within=within,
    )
    items = [DirectoryUnitOut.model_validate(r) for r in found.items]
    return DirectoryUnitList(items=items, next_cursor=found.next_cursor)


@router.get("/{unit_id}", response_model=UnitOut)
def get_unit(unit_id: str, svc: ServicesDep, _: PrincipalDep) -> UnitOut:
    """One unit."""
    return UnitOut.of(units.get_unit(svc, unit_id))
