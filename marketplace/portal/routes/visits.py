"""`/visits`: exchange visits (paper §3.4.2④) — the list within the signed-in unit's reach and
planning one, a visit's page recording it as held with its leads (or cancelling it), each lead
with the needs posted from it and their contracts, and HQ's held visits per sector pair (the
API's `/v1/exchange-visits` bodies and handlers)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import UnitNotFound
from marketplace.api.routes.visits import CancelIn, HeldIn, VisitIn, VisitOut
from marketplace.handlers import visits
from marketplace.handlers.errors import Forbidden
from marketplace.handlers.organisation import chart
from marketplace.portal.i18n import N_
from marketplace.portal.need_page import moment, typed
from marketplace.portal.unit_page import sector
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
LEAD_ROWS = 3  # lead rows the held form offers
PLAN_FIELDS = ("host_unit_id", "visitor_unit_ids", "planned_for", "topic")
LEAD_FIELDS = tuple(
    f"lead_{n}_{part}" for n in range(1, LEAD_ROWS + 1) for part in ("item_code", "text")
)
HELD_FIELDS = ("outcome", *LEAD_FIELDS)
UNKNOWN_UNIT = N_("No unit has this id.")
NOT_YOURS = N_("Your token plans only visits its own platform's units host or make.")
STATUS_WORDS = {
    "planned": N_("planned"),
    "held": N_("held"),
    "cancelled": N_("cancelled"),
}


def _word(viewer: Viewer, code: str) -> str:
    known = STATUS_WORDS.get(code)
    return viewer._(known) if known else code


def _sector(viewer: Viewer) -> Callable[[str], str]:
    """A sector's name in the viewer's language, as the unit pages write it."""
    return lambda code: sector(code, viewer._)


def _may_plan(viewer: Viewer) -> bool:
    return viewer.signed_in.has(Role.HQ_ADMIN, Role.PLATFORM_ADMIN)


async def _list(
    viewer: Viewer,
    request: Request,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> Response:
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    found = await visits.visits(
        viewer.svc, viewer.signed_in, viewer.runtime, None, None, None, page
    )
    return viewer.render(
        "visits/list.html",
        status,
        found=found,
        may_plan=_may_plan(viewer),
        values=values or {},
        errors=errors or {},
        refused=refused,
        word=lambda code: _word(viewer, code),
    )


@router.get("/visits")
async def visits_list(viewer: SignedIn, request: Request) -> Response:
    return await _list(viewer, request)


@router.post("/visits")
async def plan(viewer: SignedIn, request: Request, form: CheckedForm) -> Response:
    values = text_fields(form, *PLAN_FIELDS)
    data: dict[str, Any] = typed(values)
    if "visitor_unit_ids" in data:
        data["visitor_unit_ids"] = [
            u for u in re.split(r"[\s,;\uff0c\uff1b]+", data["visitor_unit_ids"]) if u
        ]
    if "planned_for" in data:
        data["planned_for"] = moment(data["planned_for"], viewer)
    try:
        body = VisitIn.model_validate(data)
    except ValidationError as invalid:
        return await _list(
            viewer, request, values, field_errors(invalid, viewer._, PLAN_FIELDS), status=422
        )
    try:
        made = await attempt(
            viewer, visits.plan_visit, viewer.svc, viewer.signed_in, body.host_unit_id,
            body.visitor_unit_ids, body.planned_for, body.topic,
        )  # fmt: skip
    except UnitNotFound as unknown:  # said beside the field that names it, as the API's 404
        wrong = unknown.details.get("unit_id")
        name = "host_unit_id" if wrong == body.host_unit_id else "visitor_unit_ids"
        return await _list(viewer, request, values, {name: viewer._(UNKNOWN_UNIT)}, status=404)
    except Forbidden:
        return await _list(viewer, request, values, refused=viewer._(NOT_YOURS), status=403)
    if isinstance(made, Refusal):
        return await _list(viewer, request, values, refused=made.sentence, status=409)
    return RedirectResponse(f"/visits/{made.id}", status_code=303)


@router.get("/visits/sector-pairs")
async def sector_pairs(viewer: SignedIn, request: Request) -> Response:
    now = viewer.svc.clock().astimezone(viewer.svc.zone)
    asked = query(request, "year") or ""
    year = int(asked) if asked.isdigit() and 1900 <= int(asked) <= 2200 else now.year
    pairs = await visits.sector_pairs(viewer.svc, viewer.signed_in, viewer.runtime, year)
    return viewer.render("visits/pairs.html", year=year, pairs=pairs, sector=_sector(viewer))


async def _page(
    viewer: Viewer,
    visit_id: str,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    view = await visits.read_visit(viewer.svc, viewer.signed_in, viewer.runtime, visit_id)
    shown = VisitOut.of(view.visit, view.trail)
    org_units = view.visit.units
    may_record = _may_plan(viewer) and shown.status == "planned"
    if may_record and not viewer.signed_in.has(Role.HQ_ADMIN):
        try:
            visits.require_planner(viewer.signed_in, org_units, chart(viewer.svc))
        except Forbidden:
            may_record = False
    return viewer.render(
        "visits/detail.html",
        status,
        visit=shown,
        sector=_sector(viewer),
        may_record=may_record,
        lead_rows=range(1, LEAD_ROWS + 1),
        values=values or {},
        errors=errors or {},
        refused=refused,
        form=form,
        word=lambda code: _word(viewer, code),
    )


@router.get("/visits/{visit_id}")
async def visit(viewer: SignedIn, visit_id: str) -> Response:
    return await _page(viewer, visit_id)


def _held_body(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if values.get("outcome", "").strip():
        data["outcome"] = values["outcome"]
    leads = []
    for n in range(1, LEAD_ROWS + 1):
        item, text = values.get(f"lead_{n}_item_code", "").strip(), values.get(f"lead_{n}_text", "")
        if item or text.strip():
            leads.append({"text": text} | ({"item_code": item} if item else {}))
    data["leads"] = leads
    return data


def _held_errors(invalid: ValidationError, viewer: Viewer) -> dict[str, str]:
    """Field errors, a lead's beside its own row (`leads.0.text` → `lead_1_text`)."""
    errors: dict[str, str] = {}
    for err in invalid.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if len(loc) >= 3 and loc[0] == "leads" and loc[1].isdigit():
            name = f"lead_{int(loc[1]) + 1}_{loc[2]}"
        else:
            name = loc[0] if loc else ""
        errors.setdefault(name, "")
    found = field_errors(invalid, viewer._, HELD_FIELDS)
    sentence = next(iter(found.values()), "")
    return {name: found.get(name) or sentence for name in errors}


@router.post("/visits/{visit_id}/held")
async def held(viewer: SignedIn, visit_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *HELD_FIELDS)
    try:
        body = HeldIn.model_validate(_held_body(values))
    except ValidationError as invalid:
        return await _page(
            viewer, visit_id, 422, values, _held_errors(invalid, viewer), form="held"
        )
    leads = [(lead.item_code, lead.text) for lead in body.leads]
    done = await attempt(
        viewer, visits.record_held, viewer.svc, viewer.signed_in, visit_id, body.outcome, leads
    )
    if isinstance(done, Refusal):
        return await _page(viewer, visit_id, 409, values, refused=done.sentence, form="held")
    return RedirectResponse(f"/visits/{visit_id}", status_code=303)


@router.post("/visits/{visit_id}/cancel")
async def cancel(viewer: SignedIn, visit_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "reason")
    try:
        body = CancelIn.model_validate(typed(values))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, ("reason",))
        return await _page(viewer, visit_id, 422, values, errors, form="cancel")
    done = await attempt(viewer, visits.cancel, viewer.svc, viewer.signed_in, visit_id, body.reason)
    if isinstance(done, Refusal):
        return await _page(viewer, visit_id, 409, values, refused=done.sentence, form="cancel")
    return RedirectResponse(f"/visits/{visit_id}", status_code=303)
