"""`/needs`: the unit's needs board, a new need (with catalog lookup), a need with its offers;
forms validated by the API's own bodies and carried out by the API's own handlers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from marketplace.api.routes.needs import AwardIn, NeedIn
from marketplace.handlers import lists, needs
from marketplace.portal import catalog_lookup, need_page
from marketplace.portal.need_page import typed
from marketplace.portal.web import (
    CheckedForm,
    PageRoute,
    Refusal,
    SignedIn,
    Viewer,
    attempt,
    query,
    text_fields,
)
from marketplace.portal.wording import field_errors
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
    "delivery_site",
    "delivery_address",
    "lead_id",  # hidden: the exchange visit's lead the need comes from (/visits/{id})
)


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
    data: dict[str, Any] = typed(values) | {"demand_unit_id": principal.unit_id or ""}
    site, address = data.pop("delivery_site", None), data.pop("delivery_address", None)
    if site or address:  # the API's `delivery_location`, when either half is given
        data["delivery_location"] = {"site": site or "", "address": address or None}
    try:
        body = NeedIn.model_validate(data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, NEED_FIELDS)
        if "delivery_location" in errors:  # shown beside the half that is wrong
            where = {str(e["loc"][1]) for e in invalid.errors() if len(e["loc"]) > 1}
            wrong = errors.pop("delivery_location")
            for half in sorted(where & {"site", "address"}) or ["site"]:
                errors[f"delivery_{half}"] = wrong
        return await _need_form(viewer, request, values, errors, status=422)
    need = await attempt(viewer, needs.post_need, viewer.svc, principal, body.spec())
    if isinstance(need, Refusal):
        return await _need_form(viewer, request, values, refused=need.sentence, status=409)
    return RedirectResponse(f"/needs/{need.id}", status_code=303)


@router.get("/needs/{need_id}")
async def need(viewer: SignedIn, need_id: str) -> Response:
    return await need_page.render(viewer, need_id)


@router.post("/needs/{need_id}/award")
async def award(viewer: SignedIn, need_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "offer_id")
    try:
        body = AwardIn.model_validate(typed(values))
    except ValidationError as invalid:
        return await need_page.render(viewer, need_id, 422, errors=field_errors(invalid, viewer._))
    done = await attempt(viewer, needs.award, viewer.svc, viewer.signed_in, need_id, body.offer_id)
    if isinstance(done, Refusal):
        return await need_page.render(viewer, need_id, 409, refused=done.sentence)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)
