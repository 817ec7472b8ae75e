"""`/v1/projections`: the read models' state."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from marketplace.api.deps import PrincipalDep
from marketplace.projections.runtime import ProjectionRuntime

router = APIRouter(prefix="/v1/projections", tags=["projections"])


class ProjectionStatusOut(BaseModel):
    name: str
    version: int = Field(description="The version this code builds.")
    stored_version: int | None = Field(description="The version stored; null: never built.")
    position: int = Field(description="Event store position applied (highest, when from Kafka).")
    head: int = Field(description="The event store's last position.")
    lag: int = Field(description="head - position")
    feed: str = Field(examples=["in_process", "kafka"])
    state: str = Field(examples=["current", "rebuilding", "stale", "not_built"])


class ProjectionStatusList(BaseModel):
    items: list[ProjectionStatusOut]


@router.get("/status", response_model=ProjectionStatusList)
async def projection_status(request: Request, _: PrincipalDep) -> ProjectionStatusList:
    """Per projection: its position, the event store's head and the lag (any token)."""
    runtime: ProjectionRuntime = request.app.state.projections
    found = await runtime.status()
    return ProjectionStatusList(items=[ProjectionStatusOut(**asdict(s)) for s in found])
