"""`/v1/quality-incidents`: an incident of a contract, read, listed, resolved or disputed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from marketplace.aggregates.quality_incident import QualityIncident
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import DisputeCreated, Strict
from marketplace.handlers import contracts, disputes, lists
from marketplace.inputs import LongText, UnitId

router = APIRouter(prefix="/v1/quality-incidents", tags=["contracts"])


class IncidentListItem(BaseModel):
    incident_id: str
    contract_id: str
    supplier_unit_id: str
    demand_unit_id: str
    kind: str
    severity: str
    status: str = Field(examples=["open", "resolved"])
    automatic: bool = Field(description="Recorded by a late delivery rather than by a person.")
    occurred_at: datetime
    recorded_at: datetime
    dispute_id: str | None = Field(description="The dispute it was escalated to, if any.")


class IncidentListOut(Paged):
    items: list[IncidentListItem]


class ResolutionIn(Strict):
    resolution: LongText = Field(min_length=1, max_length=4000)


class EscalationIn(Strict):
    claim: LongText = Field(min_length=1, max_length=4000)


class IncidentOut(BaseModel):
    incident_id: str
    contract_id: str
    supplier_unit_id: str
    demand_unit_id: str
    kind: str
    severity: str
    description: str
    occurred_at: datetime
    status: str
    resolution: str | None
    dispute_id: str | None

    @classmethod
    def of(cls, i: QualityIncident) -> IncidentOut:
        return cls(
            incident_id=i.id,
            contract_id=i.contract_id,
            supplier_unit_id=i.supply_unit_id,
            demand_unit_id=i.demand_unit_id,
            kind=i.kind,
            severity=i.severity,
            description=i.description,
            occurred_at=i.occurred_at,
            status=i.status,
            resolution=i.resolution,
            dispute_id=i.dispute_id,
        )


@router.get("/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: str, svc: ServicesDep, principal: PrincipalDep) -> IncidentOut:
    """An incident, for the contract's parties (and their platform admins, HQ, auditors)."""
    incident = contracts.load_incident(svc, incident_id, reading=True)
    contracts.may_read_incident(svc, principal, incident)
    return IncidentOut.of(incident)


@router.post("/{incident_id}/resolve", response_model=IncidentOut)
def resolve_incident(
    incident_id: str, body: ResolutionIn, svc: ServicesDep, principal: PrincipalDep
) -> IncidentOut:
    """Resolve an incident with a resolution text (a party)."""
    return IncidentOut.of(contracts.resolve_incident(svc, principal, incident_id, body.resolution))


@router.post(
    "/{incident_id}/dispute",
    status_code=status.HTTP_201_CREATED,
    response_model=DisputeCreated,
)
def escalate_incident(
    incident_id: str, body: EscalationIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    """Turn an unresolved incident into a dispute, in one call (its raiser: the demand unit, or
    the owner for a shared resource's `damage`)."""
    dispute = disputes.escalate_incident(svc, principal, incident_id, body.claim)
    return {"dispute_id": dispute.id, "status": dispute.status}


@router.get("", response_model=IncidentListOut)
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
