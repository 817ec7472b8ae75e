"""`/needs`: the unit's needs board, a new need (with catalog lookup), a need with its offers;
forms validated by the API's own bodies and carried out by the API's own handlers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.base import DomainError
from marketplace.aggregates.need import NeedSpec
from marketplace.api.routes.needs import AwardIn, NeedIn, NeedOut, OfferIn
from marketplace.handlers import catalog, lists, needs
from marketplace.handlers.auth import acts_for
from marketplace.handlers.organisation import chart
from marketplace.portal import catalog_lookup
from marketplace.portal.web import CheckedForm, PageRoute, SignedIn, Viewer, query, text_fields
from marketplace.portal.wording import field_errors, refusal
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
STATUSES = ("open", "tendering", "awarded", "closed_external", "cancelled")
NEED_FIELDS = (
    "title",
    "category",
    "subcategory",
    "item_code",
    "quantity",
    "uom",
    "required_by",
    "budget_amount",
    "business_type",
    "directive_id",
    "sourcing",
)
OFFER_FIELDS = ("supplier_unit_id", "unit_price", "quantity", "delivery_date", "valid_until")


def _typed(values: dict[str, str]) -> dict[str, str]:
    """What was filled in: an empty field is a missing one, as in a JSON body without it."""
    return {k: v for k, v in values.items() if v.strip()}


@router.get("/needs")
async def board(viewer: SignedIn, request: Request) -> Response:
    status = query(request, "status")
    if status not in (None, *STATUSES):
        status = None
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    found = await lists.unit_needs(viewer.svc, viewer.signed_in, viewer.runtime, None, status, page)
    return viewer.render("needs/board.html", board=found, chosen=status, statuses=STATUSES)


@router.get("/needs/new")
async def new_need(viewer: SignedIn, request: Request) -> Response:
    values = {n: query(request, n) or "" for n in NEED_FIELDS}
    return await _need_form(viewer, request, values)


async def _need_form(
    viewer: Viewer,
    request: Request,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    lookup = query(request, "lookup")
    hits = await catalog_lookup.find(viewer.svc, viewer.runtime, lookup) if lookup else []
    item = values.get("item_code") or ""
    suppliers = await catalog_lookup.suppliers(viewer.svc, viewer.runtime, item) if item else []
    principal = viewer.signed_in
    suppliers = [s for s in suppliers if s["supplier_unit_id"] != principal.unit_id]
    return viewer.render(
        "needs/new.html",
        status,
        values=values,
        errors=errors or {},
        refused=refused,
        lookup=lookup or "",
        hits=hits,
        suppliers=suppliers,
    )


@router.post("/needs")
async def post_need(viewer: SignedIn, request: Request, form: CheckedForm) -> Response:
    principal = viewer.signed_in
    values = text_fields(form, *NEED_FIELDS)
    data: dict[str, Any] = _typed(values) | {"demand_unit_id": principal.unit_id or ""}
    try:
        body = NeedIn.model_validate(data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, NEED_FIELDS)
        return await _need_form(viewer, request, values, errors, status=422)
    try:
        need = await run_in_threadpool(
            needs.post_need, viewer.svc, principal, NeedSpec(**body.model_dump())
        )
    except DomainError as refused:
        return await _need_form(viewer, request, values, refused=refusal(refused, viewer._),
                                status=409)  # fmt: skip
    return RedirectResponse(f"/needs/{need.id}", status_code=303)


def _need_page(viewer: Viewer, need_id: str) -> dict[str, Any]:
    """The need as the API shows it to this token, and what the page may offer to do."""
    svc, principal = viewer.svc, viewer.signed_in
    read = needs.read_need(svc, principal, need_id)
    view = NeedOut.of(read.need, read.offers, svc.clock(), read.demand_side)
    org = chart(svc)
    reference = {m["supplier_unit_id"]: m.get("reference_price") for m in view.matches}
    offering = [
        m["supplier_unit_id"]
        for m in view.matches
        if acts_for(principal, m["supplier_unit_id"], org)
        and not any(
            o.supplier_unit_id == m["supplier_unit_id"] and o.status == "open" for o in view.offers
        )
    ]
    can_award = view.status == "open" and acts_for(principal, view.demand_unit_id, org)
    return {"need": view, "reference": reference, "offering": offering, "can_award": can_award}


@router.get("/needs/{need_id}")
async def need_page(viewer: SignedIn, need_id: str) -> Response:
    shown = await run_in_threadpool(_need_page, viewer, need_id)
    return viewer.render("needs/detail.html", **shown, values={}, errors={}, refused=None)


def _moment(value: str, viewer: Viewer) -> str:
    """A browser's `datetime-local` value as RFC 3339, in the group's time zone; other text
    goes to validation as typed."""
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        return value
    if local.tzinfo is None:
        local = local.replace(tzinfo=viewer.svc.zone)
    return local.isoformat()


@router.post("/needs/{need_id}/offers")
async def offer(viewer: SignedIn, need_id: str, form: CheckedForm) -> Response:
    principal = viewer.signed_in
    values = text_fields(form, *OFFER_FIELDS)
    data: dict[str, Any] = _typed(values)
    if "valid_until" in data:
        data["valid_until"] = _moment(data["valid_until"], viewer)
    try:
        body = OfferIn.model_validate(data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, OFFER_FIELDS)
        return await _redo(viewer, need_id, values, errors, None, 422)
    terms = needs.OfferTerms(body.unit_price, body.quantity, body.delivery_date, body.valid_until)
    try:
        await run_in_threadpool(
            needs.submit_offer, viewer.svc, principal, need_id, body.supplier_unit_id, terms
        )
    except DomainError as refused:
        return await _redo(viewer, need_id, values, {}, refusal(refused, viewer._), 409)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


@router.post("/needs/{need_id}/award")
async def award(viewer: SignedIn, need_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "offer_id")
    try:
        body = AwardIn.model_validate(_typed(values))
    except ValidationError as invalid:
        return await _redo(viewer, need_id, {}, field_errors(invalid, viewer._), None, 422)
    try:
        await run_in_threadpool(needs.award, viewer.svc, viewer.signed_in, need_id, body.offer_id)
    except DomainError as refused:
        return await _redo(viewer, need_id, {}, {}, refusal(refused, viewer._), 409)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


async def _redo(
    viewer: Viewer,
    need_id: str,
    values: dict[str, str],
    errors: dict[str, str],
    refused: str | None,
    status: int,
) -> Response:
    """The need's page again, with the form as typed and what was wrong with it."""
    shown = await run_in_threadpool(_need_page, viewer, need_id)
    return viewer.render(
        "needs/detail.html", status, **shown, values=values, errors=errors, refused=refused
    )


__all__ = ["Decimal", "catalog"]
