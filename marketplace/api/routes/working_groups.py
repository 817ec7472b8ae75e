"""`/v1/working-groups`: the coordination working groups (paper §3.1.2), set up by HQ, read
by any signed-in token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.bodies import WorkingGroup
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import Strict
from marketplace.handlers import bodies
from marketplace.handlers.catalog_entry import Category
from marketplace.inputs import LongText, ShortText, UnitId

router = APIRouter(prefix="/v1/working-groups", tags=["synergy bodies"])

Status = Literal["active", "dissolved"]
Sector = Annotated[ShortText, Field(min_length=1, max_length=64)]
Name = Annotated[ShortText, Field(min_length=1, max_length=200)]


def distinct(values: list[str] | None, what: str) -> None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError(f"{what} must not repeat.")


class WorkingGroupIn(Strict):
    name: Name = Field(examples=["煤电化协调工作组"])
    sectors: list[Sector] = Field(
        default=[], max_length=50, description="Sectors in its remit (unit sector codes)."
    )
    categories: list[Category] = Field(default=[], max_length=4)
    members: list[UnitId] = Field(min_length=1, max_length=500)
    lead_unit_id: UnitId = Field(description="One of `members`.")

    @model_validator(mode="after")
    def remit_and_no_repeats(self) -> Self:
        if not self.sectors and not self.categories:
            raise ValueError("The remit needs at least one of sectors or categories.")
        distinct(self.sectors, "sectors")
        distinct(list(self.categories), "categories")
        distinct(self.members, "members")
        return self


class WorkingGroupPatch(Strict):
    """What to change; a field left out stays as it is."""

    name: Name | None = None
    sectors: list[Sector] | None = Field(default=None, max_length=50)
    categories: list[Category] | None = Field(default=None, max_length=4)
    members: list[UnitId] | None = Field(default=None, min_length=1, max_length=500)
    lead_unit_id: UnitId | None = None

    @model_validator(mode="after")
    def no_repeats(self) -> Self:
        distinct(self.sectors, "sectors")
        distinct(list(self.categories) if self.categories is not None else None, "categories")
        distinct(self.members, "members")
        return self


class DissolveIn(Strict):
    reason: LongText = Field(min_length=1, max_length=4000)


class WorkingGroupOut(BaseModel):
    id: str
    name: str
    sectors: list[str]
    categories: list[str]
    members: list[str]
    lead_unit_id: str
    status: Status
    formed_at: datetime
    dissolved_at: datetime | None
    reason: str | None = Field(description="Why it was dissolved.")

    @classmethod
    def of(cls, g: WorkingGroup) -> WorkingGroupOut:
        return cls(
            id=g.id,
            name=g.name,
            sectors=list(g.sectors),
            categories=list(g.categories),
            members=list(g.members),
            lead_unit_id=g.lead_unit_id,
            status="dissolved" if g.dissolved else "active",
            formed_at=g.formed_at,
            dissolved_at=g.dissolved_at,
            reason=g.dissolution_reason,
        )


class WorkingGroupListOut(Paged):
    items: list[WorkingGroupOut]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WorkingGroupOut)
def form(body: WorkingGroupIn, svc: ServicesDep, principal: PrincipalDep) -> WorkingGroupOut:
    """Set up a coordination working group (hq_admin)."""
    command = bodies.FormWorkingGroup(
        body.name,
        list(body.sectors),
        list(body.categories),
        list(body.members),
        body.lead_unit_id,
    )
    return WorkingGroupOut.of(bodies.form_working_group(svc, principal, command))


@router.patch("/{working_group_id}", response_model=WorkingGroupOut)
def revise(
    working_group_id: str, body: WorkingGroupPatch, svc: ServicesDep, principal: PrincipalDep
) -> WorkingGroupOut:
    """Rename a working group, change its remit, members or lead (hq_admin)."""
    command = bodies.ReviseWorkingGroup(
        body.name,
        None if body.sectors is None else list(body.sectors),
        None if body.categories is None else list(body.categories),
        None if body.members is None else list(body.members),
        body.lead_unit_id,
    )
    group = bodies.revise_working_group(svc, principal, working_group_id, command)
    return WorkingGroupOut.of(group)


@router.post("/{working_group_id}/dissolve", response_model=WorkingGroupOut)
def dissolve(
    working_group_id: str, body: DissolveIn, svc: ServicesDep, principal: PrincipalDep
) -> WorkingGroupOut:
    """Dissolve a working group (hq_admin); it can no longer be changed."""
    group = bodies.dissolve_working_group(svc, principal, working_group_id, body.reason)
    return WorkingGroupOut.of(group)


@router.get("/{working_group_id}", response_model=WorkingGroupOut)
def read(working_group_id: str, svc: ServicesDep, principal: PrincipalDep) -> WorkingGroupOut:
    """One working group (any signed-in token)."""
    return WorkingGroupOut.of(bodies.read_working_group(svc, principal, working_group_id))


@router.get("", response_model=WorkingGroupListOut)
async def list_working_groups(
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="Groups this unit is a member of.")] = None,
    sector: Annotated[
        ShortText | None, Query(max_length=64, description="Groups with this sector in remit.")
    ] = None,
    status: Annotated[Status | None, Query(description="Only groups of this status.")] = None,
) -> WorkingGroupListOut:
    """The working groups by name (read model; any signed-in token)."""
    found = await bodies.list_working_groups(
        runtime, page, unit_id=unit_id, sector=sector, status=status
    )
    items = [WorkingGroupOut.model_validate(r | {"id": r["working_group_id"]}) for r in found.items]
    return WorkingGroupListOut(items=items, next_cursor=found.next_cursor)
