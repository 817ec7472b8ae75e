"""`/v1/contracts`, `/v1/quality-incidents`: a contract's life after the award."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from marketplace.aggregates.quality_incident import QualityIncident
from marketplace.api.answers import DeliveryRecorded, DisputeCreated, IncidentCreated
from marketplace.api.contract_schemas import ContractOut
from marketplace.api.deps import PrincipalDep, ServicesDep
from marketplace.api.schemas import PartyIn, Strict
from marketplace.handlers import contracts, disputes
from marketplace.inputs import LongText, Moment, Money, Quantity

router = APIRouter(tags=["contracts"])


class AmountIn(PartyIn):
    amount: Money = Field(examples=["215400.00"])


class DecisionIn(Strict):
    amount: Money = Field(examples=["215400.00"])


class DeliveryIn(Strict):
    quantity: Quantity
    amount: Money
    delivered_at: Moment = Field(
        description="When it was delivered: not later than now (a few minutes of clock skew)."
    )


class TerminateIn(PartyIn):
    reason: LongText = Field(min_length=1, max_length=2000)


class IncidentIn(Strict):
    kind: Literal["management", "product_quality", "delivery_delay"]
    severity: Literal["minor", "major", "critical"]
    description: LongText = Field(min_length=1, max_length=4000)
    occurred_at: Moment = Field(
        description="When it happened: not later than now (a few minutes of clock skew)."
    )


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


def _party(body: PartyIn | None) -> str | None:
    return body.party_unit_id if body else None


@router.get("/v1/contracts/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: str, svc: ServicesDep, principal: PrincipalDep) -> ContractOut:
    """A contract, for its parties (and HQ, auditors, a pricing mediator)."""
    contract = contracts.load_contract(svc, contract_id)
    contracts.may_read(svc, principal, contract)
    return ContractOut.of(contract)


@router.post("/v1/contracts/{contract_id}/sign", response_model=ContractOut)
def sign(
    contract_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> ContractOut:
    """Sign for one's own side; `active` once both parties signed."""
    return ContractOut.of(contracts.sign(svc, principal, contract_id, _party(body)))


@router.post("/v1/contracts/{contract_id}/price-proposals", response_model=ContractOut)
def propose(
    contract_id: str, body: AmountIn, svc: ServicesDep, principal: PrincipalDep
) -> ContractOut:
    """Propose a price for a special task (either party)."""
    return ContractOut.of(
        contracts.propose_price(svc, principal, contract_id, body.amount, body.party_unit_id)
    )


@router.post("/v1/contracts/{contract_id}/price-agreement", response_model=ContractOut)
def agree(
    contract_id: str, body: AmountIn, svc: ServicesDep, principal: PrincipalDep
) -> ContractOut:
    """Accept the other party's proposed amount."""
    return ContractOut.of(
        contracts.agree_price(svc, principal, contract_id, body.amount, body.party_unit_id)
    )


@router.post("/v1/contracts/{contract_id}/pricing-escalation", response_model=ContractOut)
def escalate(
    contract_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> ContractOut:
    """The parties cannot agree: their superior units will set the price."""
    return ContractOut.of(contracts.escalate_pricing(svc, principal, contract_id, _party(body)))


@router.post("/v1/contracts/{contract_id}/price-decision", response_model=ContractOut)
def decide(
    contract_id: str, body: DecisionIn, svc: ServicesDep, principal: PrincipalDep
) -> ContractOut:
    """The mediator sets the price of an escalated special task."""
    return ContractOut.of(contracts.decide_price(svc, principal, contract_id, body.amount))


@router.post(
    "/v1/contracts/{contract_id}/deliveries",
    status_code=status.HTTP_201_CREATED,
    response_model=DeliveryRecorded,
)
def deliver(
    contract_id: str, body: DeliveryIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record a delivery (the supplier); a late one records a delivery_delay incident."""
    contract, incident = contracts.deliver(
        svc, principal, contract_id, body.quantity, body.amount, body.delivered_at
    )
    return {
        "contract": ContractOut.of(contract).model_dump(mode="json"),
        "incident_id": incident.id if incident else None,
    }


@router.post("/v1/contracts/{contract_id}/complete", response_model=ContractOut)
def complete(
    contract_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> ContractOut:
    """Complete: when all is delivered, or once both parties asked for it."""
    return ContractOut.of(contracts.complete(svc, principal, contract_id, _party(body)))


@router.post("/v1/contracts/{contract_id}/terminate", response_model=ContractOut)
def terminate(
    contract_id: str, body: TerminateIn, svc: ServicesDep, principal: PrincipalDep
) -> ContractOut:
    """Terminate with a reason (either party); what was delivered stays counted."""
    return ContractOut.of(
        contracts.terminate(svc, principal, contract_id, body.reason, body.party_unit_id)
    )


@router.post(
    "/v1/contracts/{contract_id}/quality-incidents",
    status_code=status.HTTP_201_CREATED,
    response_model=IncidentCreated,
)
def record_incident(
    contract_id: str, body: IncidentIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    """Record a quality incident against the supplier (the demand unit)."""
    incident = contracts.record_incident(
        svc, principal, contract_id, body.kind, body.severity, body.description, body.occurred_at
    )
    return {"incident_id": incident.id}


@router.get("/v1/quality-incidents/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: str, svc: ServicesDep, principal: PrincipalDep) -> IncidentOut:
    """An incident, for the contract's parties (and their platform admins, HQ, auditors)."""
    incident = contracts.load_incident(svc, incident_id)
    contracts.may_read_incident(svc, principal, incident)
    return IncidentOut.of(incident)


@router.post("/v1/quality-incidents/{incident_id}/resolve", response_model=IncidentOut)
def resolve_incident(
    incident_id: str, body: ResolutionIn, svc: ServicesDep, principal: PrincipalDep
) -> IncidentOut:
    """Resolve an incident with a resolution text (a party)."""
    return IncidentOut.of(contracts.resolve_incident(svc, principal, incident_id, body.resolution))


@router.post(
    "/v1/quality-incidents/{incident_id}/dispute",
    status_code=status.HTTP_201_CREATED,
    response_model=DisputeCreated,
)
def escalate_incident(
    incident_id: str, body: EscalationIn, svc: ServicesDep, principal: PrincipalDep
) -> dict[str, str]:
    """Turn an unresolved incident into a dispute, in one call (the demand unit)."""
    dispute = disputes.escalate_incident(svc, principal, incident_id, body.claim)
    return {"dispute_id": dispute.id, "status": dispute.status}
