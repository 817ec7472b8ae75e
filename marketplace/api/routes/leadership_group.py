"""`/v1/leadership-group`: the group's synergy leadership group and its office (paper §3.1.1),
constituted by HQ, read by any signed-in token."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field, model_validator

from marketplace.aggregates.bodies import LeadershipGroup
from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.schemas import Strict
from marketplace.handlers import bodies
from marketplace.inputs import UnitId

router = APIRouter(prefix="/v1/leadership-group", tags=["synergy bodies"])


def distinct(values: list[str], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{what} must not repeat.")


class LeadershipGroupIn(Strict):
    members: list[UnitId] = Field(min_length=1, max_length=500)
    office_unit_id: UnitId = Field(description="The unit serving as its office (办公室).")

    @model_validator(mode="after")
    def no_repeats(self) -> Self:
        distinct(self.members, "members")
        return self


class LeadershipGroupOut(BaseModel):
    group_unit_id: str
    members: list[str]
    office_unit_id: str
    constituted_at: datetime

    @classmethod
    def of(cls, g: LeadershipGroup) -> LeadershipGroupOut:
        return cls(
            group_unit_id=g.group_unit_id,
            members=list(g.members),
            office_unit_id=g.office_unit_id,
            constituted_at=g.constituted_at,
        )


@router.put("", response_model=LeadershipGroupOut)
def set_leadership_group(
    body: LeadershipGroupIn, response: Response, svc: ServicesDep, principal: PrincipalDep
) -> LeadershipGroupOut:
    """Constitute the group's synergy leadership group (201), or set its members and office
    anew (200) (hq_admin)."""
    group, created = bodies.set_leadership_group(
        svc, principal, list(body.members), body.office_unit_id
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return LeadershipGroupOut.of(group)


@router.get("", response_model=LeadershipGroupOut)
def read_leadership_group(svc: ServicesDep, principal: PrincipalDep) -> LeadershipGroupOut:
    """The synergy leadership group (any signed-in token); 404 until constituted."""
    return LeadershipGroupOut.of(bodies.read_leadership_group(svc, principal))
