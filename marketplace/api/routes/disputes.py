"""`/v1/disputes`: negotiation, mediation by the right superior, resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from marketplace.aggregates.dispute import Dispute
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import DisputeCreated, PartyIn, Strict
from marketplace.handlers import disputes, lists
from marketplace.inputs import Identifier, LongText, UnitId

router = APIRouter(prefix="/v1/disputes", tags=["disputes"])


class DisputeListItem(BaseModel):
    id: str
    raiser_unit_id: str
    against_unit_id: str
    subject_type: str
    subject_id: str
    kind: str
    status: str = Field(examples=["negotiating", "in_mediation", "resolved", "settled"])
    mediator_unit_id: str | None
    raised_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> DisputeListItem:
        return cls.model_validate({**row, "id": row["dispute_id"]})


class DisputeListOut(Paged):
    items: list[DisputeListItem]


class DisputeIn(Strict):
    subject_type: Literal["contract", "need", "tender", "quality_incident"]
    subject_id: Identifier
    against_unit_id: UnitId
    kind: Literal["pricing", "quality", "delivery", "payment", "other"]
    claim: LongText = Field(min_length=1, max_length=4000)
    raiser_unit_id: UnitId | None = Field(default=None, description="Default: the token's unit.")


class DecisionIn(Strict):
    decision: LongText = Field(min_length=1, max_length=4000)


class SettlementIn(PartyIn):
    settlement: LongText = Field(min_length=1, max_length=4000)


class DisputeOut(BaseModel):
    id: str
    status: str
    raiser_unit_id: str
    against_unit_id: str
    subject_type: str
    subject_id: str
    kind: str
    claim: str
    mediator_unit_id: str | None
    mediator_rule: str | None = Field(
        description="lowest_common_superior, different_sectors or only_common_superior"
    )
    outcome: str | None

    @classmethod
    def of(cls, d: Dispute) -> DisputeOut:
        return cls(
            id=d.id,
            status=d.status,
            raiser_unit_id=d.raiser_unit_id,
            against_unit_id=d.against_unit_id,
            subject_type=d.subject_type,
            subject_id=d.subject_id,
            kind=d.kind,
            claim=d.claim,
            mediator_unit_id=d.mediator_unit_id,
            mediator_rule=d.mediator_rule,
            outcome=d.outcome,
        )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DisputeCreated)
def raise_dispute(body: DisputeIn, svc: ServicesDep, principal: PrincipalDep) -> dict[str, str]:
    """A party raises a dispute; it starts in negotiation between the parties."""
    d = disputes.raise_dispute(
        svc,
        principal,
        body.raiser_unit_id,
        body.subject_type,
        body.subject_id,
        body.against_unit_id,
        body.kind,
        body.claim,
    )
    return {"dispute_id": d.id, "status": d.status}


@router.get("/{dispute_id}", response_model=DisputeOut)
def get_dispute(dispute_id: str, svc: ServicesDep, principal: PrincipalDep) -> DisputeOut:
    """A dispute, for its parties and the mediator chain."""
    d = disputes.load_dispute(svc, dispute_id, reading=True)
    disputes.may_read(svc, principal, d)
    return DisputeOut.of(d)


def _party(body: PartyIn | None) -> str | None:
    return body.party_unit_id if body else None


@router.post("/{dispute_id}/mediation", response_model=DisputeOut)
def mediation(
    dispute_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> DisputeOut:
    """A party asks for mediation: the parties' lowest common superior (HQ across sectors)."""
    return DisputeOut.of(disputes.request_mediation(svc, principal, dispute_id, _party(body)))


@router.post("/{dispute_id}/resolve", response_model=DisputeOut)
def resolve(
    dispute_id: str, svc: ServicesDep, principal: PrincipalDep, body: DecisionIn | SettlementIn
) -> DisputeOut:
    """The mediator decides (`decision`), or each party states the same `settlement`."""
    if isinstance(body, DecisionIn):
        return DisputeOut.of(disputes.resolve(svc, principal, dispute_id, body.decision))
    return DisputeOut.of(
        disputes.settle(svc, principal, dispute_id, body.settlement, body.party_unit_id)
    )


@router.post("/{dispute_id}/withdraw", response_model=DisputeOut)
def withdraw(
    dispute_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> DisputeOut:
    """The raiser withdraws the dispute."""
    return DisputeOut.of(disputes.withdraw(svc, principal, dispute_id, _party(body)))


@router.get("", response_model=DisputeListOut)
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
