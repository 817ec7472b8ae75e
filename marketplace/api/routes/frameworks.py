"""`/v1/frameworks`: framework agreements (paper section 4) — drawn up, signed by both parties,
called off period by period (each call-off an active contract), amended by both parties'
consent, a period closed with the supplier's shortfall; one agreement, and the lists."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status

from marketplace.aggregates.framework import Framework
from marketplace.aggregates.framework_amendments import Amendment
from marketplace.api.deps import PrincipalDep, ProjectionsDep, ServicesDep
from marketplace.api.framework_bodies import (
    AmendmentIn,
    AmendmentOut,
    CallOffIn,
    CallOffMade,
    DecisionIn,
    FrameworkIn,
    FrameworkListItem,
    FrameworkListOut,
    FrameworkOut,
    PeriodOut,
    RejectIn,
)
from marketplace.api.pages import PageDep
from marketplace.api.schemas import PartyIn, money, number
from marketplace.handlers import framework_amendments as amendments
from marketplace.handlers import frameworks
from marketplace.inputs import PERIOD_PATTERN, UnitId

router = APIRouter(prefix="/v1/frameworks", tags=["framework agreements"])

PeriodPath = Annotated[str, Path(pattern=PERIOD_PATTERN, examples=["2027-01"])]
NumberPath = Annotated[int, Path(ge=1, le=1_000_000, description="The amendment's number.")]


def _party(body: PartyIn | None) -> str | None:
    return body.party_unit_id if body else None


def _out(svc: ServicesDep, framework: Framework) -> FrameworkOut:
    return FrameworkOut.of(frameworks.view_of(svc, framework))


def _amendment(done: tuple[Framework, Amendment]) -> AmendmentOut:
    return AmendmentOut.of(done[1])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FrameworkOut)
def draw_up(body: FrameworkIn, svc: ServicesDep, principal: PrincipalDep) -> FrameworkOut:
    """Draw up a framework agreement (either party, or a platform admin or HQ for a party
    within reach): a schedule of months or quarters, each with its quantity and unit price
    (null: agreed later). Both parties sign it before any call-off."""
    return _out(svc, frameworks.draw_up(svc, principal, body.terms()))


@router.get("/{framework_id}", response_model=FrameworkOut)
def get_framework(framework_id: str, svc: ServicesDep, principal: PrincipalDep) -> FrameworkOut:
    """The agreement: per period scheduled, called off, delivered (on its call-off contracts,
    now), the shortfall and the call-offs; the signatures; every amendment (the history).
    For the parties, HQ, auditors, and a mediator an amendment went to."""
    return FrameworkOut.of(frameworks.read_framework(svc, principal, framework_id))


@router.post("/{framework_id}/sign", response_model=FrameworkOut)
def sign(
    framework_id: str, svc: ServicesDep, principal: PrincipalDep, body: PartyIn | None = None
) -> FrameworkOut:
    """Sign for one's own side; `active` once both parties signed."""
    return _out(svc, frameworks.sign(svc, principal, framework_id, _party(body)))


@router.post(
    "/{framework_id}/call-offs", status_code=status.HTTP_201_CREATED, response_model=CallOffMade
)
def call_off(
    framework_id: str, body: CallOffIn, svc: ServicesDep, principal: PrincipalDep
) -> CallOffMade:
    """Call off part of a period (the demand unit), on a day within the period and the
    agreement, within what is left of its quantity, at its agreed price: a contract, active at
    once, due by the period's last day, counted in trade volume as `trade_form` `framework`."""
    framework, contract = frameworks.call_off(
        svc, principal, framework_id, body.period, body.quantity
    )
    terms = framework.periods[body.period]
    return CallOffMade(
        contract_id=contract.id,
        call_off_id=contract.source_id or "",
        period=body.period,
        quantity=number(contract.quantity),
        unit_price=money(contract.unit_price),
        amount=money(contract.amount),
        delivery_date=terms.last_day,
        remaining=number(terms.remaining),
    )


@router.post(
    "/{framework_id}/amendments",
    status_code=status.HTTP_201_CREATED,
    response_model=AmendmentOut,
)
def propose_amendment(
    framework_id: str, body: AmendmentIn, svc: ServicesDep, principal: PrincipalDep
) -> AmendmentOut:
    """Propose a period's new quantity (a period that starts after today) and/or unit price
    (such a period, or one not priced yet), with the reason; the other party answers."""
    done = amendments.propose(
        svc, principal, framework_id, body.period, body.quantity, body.unit_price, body.reason,
        body.party_unit_id,
    )  # fmt: skip
    return _amendment(done)


@router.post("/{framework_id}/amendments/{number}/accept", response_model=AmendmentOut)
def accept_amendment(
    framework_id: str,
    number: NumberPath,
    svc: ServicesDep,
    principal: PrincipalDep,
    body: PartyIn | None = None,
) -> AmendmentOut:
    """The other party consents: the period's terms change."""
    done = amendments.accept(svc, principal, framework_id, number, _party(body))
    return _amendment(done)


@router.post("/{framework_id}/amendments/{number}/reject", response_model=AmendmentOut)
def reject_amendment(
    framework_id: str, number: NumberPath, body: RejectIn, svc: ServicesDep, principal: PrincipalDep
) -> AmendmentOut:
    """The other party refuses, with its reason; the period keeps its terms."""
    done = amendments.reject(svc, principal, framework_id, number, body.reason, body.party_unit_id)
    return _amendment(done)


@router.post("/{framework_id}/amendments/{number}/escalate", response_model=AmendmentOut)
def escalate_amendment(
    framework_id: str,
    number: NumberPath,
    svc: ServicesDep,
    principal: PrincipalDep,
    body: PartyIn | None = None,
) -> AmendmentOut:
    """A special task's price the parties cannot agree: their superiors will decide it."""
    done = amendments.escalate(svc, principal, framework_id, number, _party(body))
    return _amendment(done)


@router.post("/{framework_id}/amendments/{number}/decision", response_model=AmendmentOut)
def decide_amendment(
    framework_id: str,
    number: NumberPath,
    body: DecisionIn,
    svc: ServicesDep,
    principal: PrincipalDep,
) -> AmendmentOut:
    """The mediator unit sets the escalated period's unit price."""
    done = amendments.decide(svc, principal, framework_id, number, body.unit_price)
    return _amendment(done)


@router.post("/{framework_id}/periods/{period}/close", response_model=PeriodOut)
def close_period(
    framework_id: str, period: PeriodPath, svc: ServicesDep, principal: PrincipalDep
) -> PeriodOut:
    """Close a period after its last day (the demand unit), with what its call-offs delivered;
    a shortfall past the tolerance records a delivery_delay incident against the supplier."""
    framework, _ = frameworks.close_period(svc, principal, framework_id, period)
    view = frameworks.view_of(svc, framework)
    return PeriodOut.of(framework.periods[period], view.call_offs[period])


@router.get("", response_model=FrameworkListOut)
async def list_frameworks(
    svc: ServicesDep,
    runtime: ProjectionsDep,
    principal: PrincipalDep,
    page: PageDep,
    unit_id: Annotated[UnitId | None, Query(description="A party: demand or supply.")] = None,
    status: Annotated[Literal["awaiting_signatures", "active", "completed"] | None, Query()] = None,
) -> FrameworkListOut:
    """Agreements, newest first, the unit (default: any within reach) is a party to, each with
    per period the quantity scheduled, called off and delivered (read model). For the units'
    operators, their platform admins, HQ and auditors."""
    found = await frameworks.frameworks(svc, principal, runtime, unit_id, status, page)
    items = [FrameworkListItem.of(r) for r in found.items]
    return FrameworkListOut(items=items, next_cursor=found.next_cursor)
