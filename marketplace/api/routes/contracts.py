"""`/v1/contracts`: a contract's life after the award, its incidents recorded, contracts listed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from marketplace.aggregates.contract import Contract
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.pages import Paged, PageDep
from marketplace.api.schemas import PartyIn, Strict, money, number
from marketplace.handlers import contracts, lists
from marketplace.inputs import LongText, Moment, Money, Quantity, UnitId

router = APIRouter(prefix="/v1/contracts", tags=["contracts"])


class ContractListItem(BaseModel):
    id: str
    need_id: str | None = Field(
        description="The need awarded; null for a contract arranged without one (a call-off, a "
        "joint procurement's share, a booking: see `trade_form`)."
    )
    demand_unit_id: str
    supply_unit_id: str
    business_type: str
    item_code: str
    status: str = Field(examples=["awaiting_signatures", "pricing", "active", "completed"])
    quantity: str = Field(examples=["500"])
    amount: str = Field(examples=["92500.00"])
    delivered_quantity: str
    delivered_amount: str
    created_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> ContractListItem:
        figures = {q: number(Decimal(row[q])) for q in ("quantity", "delivered_quantity")}
        figures |= {a: money(Decimal(row[a])) for a in ("amount", "delivered_amount")}
        shown = {**row, **figures, "id": row["contract_id"], "need_id": row["need_id"] or None}
        return cls.model_validate(shown)


class ContractListOut(Paged):
    items: list[ContractListItem]


class SignatureOut(BaseModel):
    unit_id: str
    signed_at: datetime


class ContractOut(BaseModel):
    id: str
    need_id: str | None = Field(
        description="The need awarded; null for a contract arranged without one (a call-off, a "
        "joint procurement's share, a booking: see `trade_form`)."
    )
    offer_id: str | None = Field(description="The offer awarded; null as `need_id` is.")
    demand_unit_id: str
    supply_unit_id: str
    business_type: str
    status: str
    item_code: str
    quantity: str
    unit_price: str
    amount: str
    delivered_quantity: str
    delivered_amount: str
    signatures: list[SignatureOut] = Field(description="Who has signed and when, in order.")
    trade_form: str = Field(
        description="How the contract came about: `one_off` (an award on a need or tender), "
        "`framework` (a call-off), `joint` (a share of a joint procurement), `resource` (a "
        "booking of a shared resource).",
        examples=["one_off"],
    )
    source_id: str | None = Field(
        description="The call-off, joint procurement or booking it came from (null for one-off)."
    )

    @classmethod
    def of(cls, c: Contract) -> ContractOut:
        return cls(
            id=c.id,
            need_id=c.need_id or None,
            offer_id=c.offer_id or None,
            demand_unit_id=c.demand_unit_id,
            supply_unit_id=c.supply_unit_id,
            business_type=c.business_type,
            status=c.status.value,
            item_code=c.item_code,
            quantity=number(c.quantity),
            unit_price=money(c.unit_price),
            amount=money(c.amount),
            delivered_quantity=number(c.delivered_quantity),
            delivered_amount=money(c.delivered_amount),
            signatures=[SignatureOut(unit_id=u, signed_at=t) for u, t in c.signatures.items()],
            trade_form=c.trade_form.value,
            source_id=c.source_id,
        )


class DeliveryRecorded(BaseModel):
    contract: ContractOut
    incident_id: str | None = Field(description="The delivery_delay incident a late one records.")


class IncidentCreated(BaseModel):
    incident_id: str


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


def _party(body: PartyIn | None) -> str | None:
    return body.party_unit_id if body else None


@router.get("/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: str, svc: ServicesDep, principal: PrincipalDep) -> ContractOut:
    """A contract, for its parties (and HQ, auditors, a pricing mediator)."""
    contract = contracts.load_contract(svc, contract_id, reading=True)
    contracts.may_read(svc, principal, contract)
    return ContractOut.of(contract)


@router.post("/{contract_id}/sign", response_model=ContractOut)
def sign(
    contract_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> ContractOut:
    """Sign for one's own side; `active` once both parties signed."""
    return ContractOut.of(contracts.sign(svc, principal, contract_id, _party(body)))


@router.post("/{contract_id}/price-proposals", response_model=ContractOut)
def propose(
    contract_id: str, body: AmountIn, svc: ServicesDep, principal: PrincipalDep
) -> ContractOut:
    """Propose a price for a special task (either party)."""
    return ContractOut.of(
        contracts.propose_price(svc, principal, contract_id, body.amount, body.party_unit_id)
    )


@router.post("/{contract_id}/price-agreement", response_model=ContractOut)
def agree(
    contract_id: str, body: AmountIn, svc: ServicesDep, principal: PrincipalDep
) -> ContractOut:
    """Accept the other party's proposed amount."""
    return ContractOut.of(
        contracts.agree_price(svc, principal, contract_id, body.amount, body.party_unit_id)
    )


@router.post("/{contract_id}/pricing-escalation", response_model=ContractOut)
def escalate(
    contract_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> ContractOut:
    """The parties cannot agree: their superior units will set the price."""
    return ContractOut.of(contracts.escalate_pricing(svc, principal, contract_id, _party(body)))


@router.post("/{contract_id}/price-decision", response_model=ContractOut)
def decide(
    contract_id: str, body: DecisionIn, svc: ServicesDep, principal: PrincipalDep
) -> ContractOut:
    """The mediator sets the price of an escalated special task."""
    return ContractOut.of(contracts.decide_price(svc, principal, contract_id, body.amount))


@router.post(
    "/{contract_id}/deliveries",
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


@router.post("/{contract_id}/complete", response_model=ContractOut)
def complete(
    contract_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> ContractOut:
    """Complete: when all is delivered, or once both parties asked for it."""
    return ContractOut.of(contracts.complete(svc, principal, contract_id, _party(body)))


@router.post("/{contract_id}/terminate", response_model=ContractOut)
def terminate(
    contract_id: str, body: TerminateIn, svc: ServicesDep, principal: PrincipalDep
) -> ContractOut:
    """Terminate with a reason (either party); what was delivered stays counted."""
    return ContractOut.of(
        contracts.terminate(svc, principal, contract_id, body.reason, body.party_unit_id)
    )


@router.post(
    "/{contract_id}/quality-incidents",
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


@router.get("", response_model=ContractListOut)
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
