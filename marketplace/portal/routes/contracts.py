"""`/contracts`: the unit's contracts, and a contract's page with what its parties (and a pricing
mediator) may do in its status: sign, price a special task, deliver, complete, terminate,
record and resolve quality incidents; each form validated by the API's own body and carried out
by the API's own handler, refused as the API refuses, nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.base import DomainError, RecordNotFound
from marketplace.api.routes.contracts import (
    AmountIn,
    ContractListItem,
    DecisionIn,
    DeliveryIn,
    IncidentIn,
    TerminateIn,
)
from marketplace.api.routes.quality_incidents import ResolutionIn
from marketplace.api.schemas import PartyIn
from marketplace.handlers import contracts, lists
from marketplace.handlers.auth import acts_for
from marketplace.handlers.errors import InvalidField, NotFound
from marketplace.handlers.organisation import chart
from marketplace.portal import contract_page
from marketplace.portal.need_page import moment, typed
from marketplace.portal.web import CheckedForm, PageRoute, SignedIn, Viewer, query, text_fields
from marketplace.portal.wording import field_errors, refusal
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
STATUSES = ("awaiting_signatures", "pricing", "active", "completed", "terminated")


@router.get("/contracts")
async def board(viewer: SignedIn, request: Request) -> Response:
    status = query(request, "status")
    if status not in (None, *STATUSES):
        status = None
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    principal = viewer.signed_in
    found = await lists.contracts(viewer.svc, principal, viewer.runtime, None, None, status, page)
    org = await run_in_threadpool(chart, viewer.svc)
    rows = []
    for row in found.items:
        item = ContractListItem.of(row)
        demand = acts_for(principal, item.demand_unit_id, org)
        supply = acts_for(principal, item.supply_unit_id, org)
        # The other party: the one the viewer does not act for (both named when it acts for
        # both sides or neither, as HQ or an auditor).
        other = (
            item.supply_unit_id
            if demand and not supply
            else item.demand_unit_id
            if supply and not demand
            else f"{item.demand_unit_id} → {item.supply_unit_id}"
        )
        rows.append({"item": item, "other": other, "side": "demand" if demand else "supply"})
    return viewer.render(
        "contracts/board.html",
        rows=rows,
        next_cursor=found.next_cursor,
        chosen=status,
        statuses=[(s, contract_page.word(s, viewer._)) for s in STATUSES],
        word=lambda code: contract_page.word(code, viewer._),
    )


@router.get("/contracts/{contract_id}")
async def contract(viewer: SignedIn, contract_id: str) -> Response:
    return await contract_page.render(viewer, contract_id)


async def _act(
    viewer: Viewer,
    contract_id: str,
    form_name: str,
    model: type[BaseModel],
    values: dict[str, str],
    call: Callable[[BaseModel], Any],
    fields: tuple[str, ...] = (),
    data: dict[str, Any] | None = None,
) -> Response:
    """Validate `values` (or `data`, their typed form) by the API's body `model`, then `call`
    the handler with it; refused: the page again with the form as typed (422 field errors,
    409 the rule as a sentence); done: back to the contract's page."""
    try:
        body = model.model_validate(typed(values) if data is None else data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, fields)
        return await contract_page.render(viewer, contract_id, 422, values, errors, form=form_name)
    try:
        await run_in_threadpool(call, body)
    except RecordNotFound:
        raise
    except InvalidField as checked:
        errors = contract_page.field_check(checked, viewer._)
        return await contract_page.render(viewer, contract_id, 422, values, errors, form=form_name)
    except DomainError as refused:
        return await contract_page.render(
            viewer, contract_id, 409, values, refused=refusal(refused, viewer._), form=form_name
        )
    return RedirectResponse(f"/contracts/{contract_id}", status_code=303)


def _party(form: CheckedForm) -> dict[str, str]:
    return text_fields(form, "party_unit_id")


@router.post("/contracts/{contract_id}/sign")
async def sign(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = _party(form)

    def call(body: Any) -> Any:
        return contracts.sign(viewer.svc, viewer.signed_in, contract_id, body.party_unit_id)

    return await _act(viewer, contract_id, "sign", PartyIn, values, call)


@router.post("/contracts/{contract_id}/price-proposals")
async def propose(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "amount", "party_unit_id")

    def call(body: Any) -> Any:
        return contracts.propose_price(
            viewer.svc, viewer.signed_in, contract_id, body.amount, body.party_unit_id
        )

    name = f"propose-{values['party_unit_id']}"
    return await _act(viewer, contract_id, name, AmountIn, values, call, ("amount",))


@router.post("/contracts/{contract_id}/price-agreement")
async def agree(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "amount", "party_unit_id")

    def call(body: Any) -> Any:
        return contracts.agree_price(
            viewer.svc, viewer.signed_in, contract_id, body.amount, body.party_unit_id
        )

    name = f"agree-{values['party_unit_id']}"
    return await _act(viewer, contract_id, name, AmountIn, values, call, ("amount",))


@router.post("/contracts/{contract_id}/pricing-escalation")
async def escalate(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = _party(form)

    def call(body: Any) -> Any:
        return contracts.escalate_pricing(
            viewer.svc, viewer.signed_in, contract_id, body.party_unit_id
        )

    return await _act(viewer, contract_id, "escalate", PartyIn, values, call)


@router.post("/contracts/{contract_id}/price-decision")
async def decide(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "amount")

    def call(body: Any) -> Any:
        return contracts.decide_price(viewer.svc, viewer.signed_in, contract_id, body.amount)

    return await _act(viewer, contract_id, "decide", DecisionIn, values, call, ("amount",))


DELIVERY_FIELDS = ("quantity", "amount", "delivered_at")


@router.post("/contracts/{contract_id}/deliveries")
async def deliver(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *DELIVERY_FIELDS)
    data: dict[str, Any] = typed(values)
    if "delivered_at" in data:
        data["delivered_at"] = moment(data["delivered_at"], viewer)

    def call(body: Any) -> Any:
        return contracts.deliver(
            viewer.svc, viewer.signed_in, contract_id, body.quantity, body.amount,
            body.delivered_at,
        )  # fmt: skip

    return await _act(
        viewer, contract_id, "delivery", DeliveryIn, values, call, DELIVERY_FIELDS, data
    )


@router.post("/contracts/{contract_id}/complete")
async def complete(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = _party(form)

    def call(body: Any) -> Any:
        return contracts.complete(viewer.svc, viewer.signed_in, contract_id, body.party_unit_id)

    return await _act(viewer, contract_id, "complete", PartyIn, values, call)


@router.post("/contracts/{contract_id}/terminate")
async def terminate(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "reason", "party_unit_id")

    def call(body: Any) -> Any:
        return contracts.terminate(
            viewer.svc, viewer.signed_in, contract_id, body.reason, body.party_unit_id
        )

    name = f"terminate-{values['party_unit_id']}"
    return await _act(viewer, contract_id, name, TerminateIn, values, call, ("reason",))


INCIDENT_FIELDS = ("kind", "severity", "description", "occurred_at")


@router.post("/contracts/{contract_id}/quality-incidents")
async def record_incident(viewer: SignedIn, contract_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *INCIDENT_FIELDS)
    data: dict[str, Any] = typed(values)
    if "occurred_at" in data:
        data["occurred_at"] = moment(data["occurred_at"], viewer)

    def call(body: Any) -> Any:
        return contracts.record_incident(
            viewer.svc, viewer.signed_in, contract_id, body.kind, body.severity,
            body.description, body.occurred_at,
        )  # fmt: skip

    return await _act(
        viewer, contract_id, "incident", IncidentIn, values, call, INCIDENT_FIELDS, data
    )


@router.post("/contracts/{contract_id}/quality-incidents/{incident_id}/resolve")
async def resolve_incident(
    viewer: SignedIn, contract_id: str, incident_id: str, form: CheckedForm
) -> Response:
    """Resolve one of the contract's incidents (`POST /v1/quality-incidents/{id}/resolve`)."""
    incident = await run_in_threadpool(
        contracts.load_incident, viewer.svc, incident_id, reading=True
    )
    if incident.contract_id != contract_id:  # another contract's: not on this page
        raise NotFound(f"Incident {incident_id!r} is not of contract {contract_id!r}.")
    values = text_fields(form, "resolution")

    def call(body: Any) -> Any:
        return contracts.resolve_incident(viewer.svc, viewer.signed_in, incident_id,
                                          body.resolution)  # fmt: skip

    name = f"resolve-{incident_id}"
    return await _act(viewer, contract_id, name, ResolutionIn, values, call, ("resolution",))
