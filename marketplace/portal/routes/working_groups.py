"""`/working-groups`: the group's synergy leadership group and its coordination working groups
(paper §3.1.1-3.1.2); HQ sets the leadership group and forms a working group on the list page,
revises or dissolves one on its own page (the API's `/v1/leadership-group` and
`/v1/working-groups` bodies and handlers)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import UnitNotFound
from marketplace.aggregates.taxonomy import TAXONOMY
from marketplace.api.routes.leadership_group import LeadershipGroupIn
from marketplace.api.routes.working_groups import (
    DissolveIn,
    WorkingGroupIn,
    WorkingGroupOut,
    WorkingGroupPatch,
)
from marketplace.handlers import bodies
from marketplace.handlers.errors import Forbidden, NotFound
from marketplace.handlers.organisation import chart
from marketplace.portal.i18n import N_
from marketplace.portal.need_page import typed
from marketplace.portal.unit_page import sector
from marketplace.portal.web import (
    CheckedForm,
    PageRoute,
    Refusal,
    SignedIn,
    Viewer,
    attempt,
    kind_label,
    query,
    text_fields,
)
from marketplace.portal.wording import field_errors
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
STATUSES = ("active", "dissolved")
FIELDS = ("name", "sectors", "categories", "members", "lead_unit_id")
LEADERSHIP_FIELDS = ("members", "office_unit_id")
UNKNOWN_UNIT = N_("No such unit.")
WORDS = {"active": N_("in operation"), "dissolved": N_("dissolved")}
_SEPARATORS = re.compile(r"[\s,;\uff0c\uff1b\u3001]+")


def _units_typed(text: str) -> list[str]:
    return [u for u in _SEPARATORS.split(text) if u]


def _list_fields(form: FormData) -> tuple[dict[str, str], dict[str, Any]]:
    """The form as typed (to show again) and as the API's body: members are typed as unit ids
    apart by spaces or commas, sectors and categories are ticked."""
    values: dict[str, Any] = text_fields(form, "name", "members", "lead_unit_id")
    ticked = {
        n: [v for v in form.getlist(n) if isinstance(v, str)] for n in ("sectors", "categories")
    }
    data: dict[str, Any] = typed(values) | ticked
    data["members"] = _units_typed(values["members"])
    return values | ticked, data


def _choices(viewer: Viewer) -> dict[str, Any]:
    _ = viewer._
    known = sorted(bodies.known_sectors(chart(viewer.svc)))
    return {
        "sector_choices": [(s, sector(s, _)) for s in known],
        "category_choices": [(c.code, kind_label(viewer.language, c.code)) for c in TAXONOMY],
    }


def _words(viewer: Viewer) -> dict[str, Any]:
    _ = viewer._

    def remit(sectors: list[str], categories: list[str]) -> str:
        names = [sector(s, _) for s in sectors]
        names += [kind_label(viewer.language, c) for c in categories]
        return "、".join(names) or "—"

    return {"word": lambda code: _(WORDS[code]) if code in WORDS else code, "remit": remit}


async def _list_page(
    viewer: Viewer,
    request: Request,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    leadership_form: dict[str, Any] | None = None,
) -> Response:
    """The list page; `values`, `errors`, `refused`: the working group form's as sent back,
    `leadership_form` the leadership group form's (`values`, `errors`, `refused`)."""
    chosen = query(request, "status")
    if chosen not in (None, *STATUSES):
        chosen = None
    unit, sector_code = query(request, "unit_id"), query(request, "sector")
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    found = await bodies.list_working_groups(
        viewer.runtime, page, unit_id=unit, sector=sector_code, status=chosen
    )
    facts = await run_in_threadpool(_facts, viewer)
    if leadership_form is not None:  # as sent back, not the group as it is
        facts["leadership_form"] = leadership_form
    pairs = (("status", chosen), ("unit_id", unit), ("sector", sector_code))
    return viewer.render(
        "working_groups/list.html",
        status,
        found=found,
        chosen=chosen,
        unit=unit,
        sector_code=sector_code,
        statuses=STATUSES,
        filters="&".join(f"{k}={v}" for k, v in pairs if v),
        may_form=viewer.signed_in.has(Role.HQ_ADMIN),
        values=values or {"sectors": [], "categories": []},
        errors=errors or {},
        refused=refused,
        **facts,
        **_words(viewer),
    )


def _facts(viewer: Viewer) -> dict[str, Any]:
    """The leadership group (None until constituted) with its form filled in as it is, the
    units and the remit's choices."""
    try:
        leadership = bodies.read_leadership_group(viewer.svc, viewer.signed_in)
    except NotFound:
        leadership = None
    current = (
        {"members": " ".join(leadership.members), "office_unit_id": leadership.office_unit_id}
        if leadership is not None
        else {}
    )
    return {
        "leadership": leadership,
        "leadership_form": {"values": current, "errors": {}, "refused": None},
        "units": sorted(chart(viewer.svc).units),
        **_choices(viewer),
    }


@router.get("/working-groups")
async def working_groups(viewer: SignedIn, request: Request) -> Response:
    return await _list_page(viewer, request)


@router.post("/working-groups")
async def form_group(viewer: SignedIn, request: Request, form: CheckedForm) -> Response:
    if not viewer.signed_in.has(Role.HQ_ADMIN):
        raise Forbidden("Only HQ sets up working groups.")
    values, data = _list_fields(form)
    try:
        body = WorkingGroupIn.model_validate(data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, FIELDS)
        return await _list_page(viewer, request, 422, values, errors)
    command = bodies.FormWorkingGroup(
        body.name, list(body.sectors), list(body.categories), list(body.members), body.lead_unit_id
    )
    try:
        done = await attempt(
            viewer, bodies.form_working_group, viewer.svc, viewer.signed_in, command
        )
    except UnitNotFound:  # as the API's 404, said beside the field
        errors = {"members": viewer._(UNKNOWN_UNIT)}
        return await _list_page(viewer, request, 404, values, errors)
    if isinstance(done, Refusal):
        return await _list_page(viewer, request, 409, values, refused=done.sentence)
    return RedirectResponse(f"/working-groups/{done.id}", status_code=303)


async def _leadership_again(
    viewer: Viewer,
    request: Request,
    status: int,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    refused: str | None = None,
) -> Response:
    """The list page with the leadership group's form as sent, and what was wrong with it."""
    shown = {"values": values, "errors": errors or {}, "refused": refused}
    return await _list_page(viewer, request, status, leadership_form=shown)


@router.post("/leadership-group")
async def set_leadership_group(viewer: SignedIn, request: Request, form: CheckedForm) -> Response:
    """HQ constitutes the leadership group or sets its members and office anew (the API's
    `PUT /v1/leadership-group`); refusals on the list page beside the form."""
    if not viewer.signed_in.has(Role.HQ_ADMIN):
        raise Forbidden("Only HQ sets the leadership group.")
    values = text_fields(form, *LEADERSHIP_FIELDS)
    data: dict[str, Any] = typed(values)
    if "members" in data:
        data["members"] = _units_typed(data["members"])

    try:
        body = LeadershipGroupIn.model_validate(data)
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, LEADERSHIP_FIELDS)
        return await _leadership_again(viewer, request, 422, values, errors)
    members = list(body.members)
    try:
        done = await attempt(
            viewer, bodies.set_leadership_group, viewer.svc, viewer.signed_in, members,
            body.office_unit_id,
        )  # fmt: skip
    except UnitNotFound as missing:  # as the API's 404, said beside the field naming it
        field = "members" if missing.details.get("unit_id") in members else "office_unit_id"
        errors = {field: viewer._(UNKNOWN_UNIT)}
        return await _leadership_again(viewer, request, 404, values, errors)
    if isinstance(done, Refusal):
        return await _leadership_again(viewer, request, 409, values, refused=done.sentence)
    return RedirectResponse("/working-groups", status_code=303)


async def _group_page(
    viewer: Viewer,
    working_group_id: str,
    status: int = 200,
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
) -> Response:
    group = await run_in_threadpool(
        bodies.read_working_group, viewer.svc, viewer.signed_in, working_group_id
    )
    view = WorkingGroupOut.of(group)
    shown = {
        "name": view.name,
        "sectors": view.sectors,
        "categories": view.categories,
        "members": " ".join(view.members),
        "lead_unit_id": view.lead_unit_id,
    }
    return viewer.render(
        "working_groups/detail.html",
        status,
        group=view,
        may_change=viewer.signed_in.has(Role.HQ_ADMIN) and view.status == "active",
        values=shown | dict(values or {}),
        errors=errors or {},
        refused=refused,
        **await run_in_threadpool(_choices, viewer),
        **_words(viewer),
    )


@router.get("/working-groups/{working_group_id}")
async def working_group(viewer: SignedIn, working_group_id: str) -> Response:
    return await _group_page(viewer, working_group_id)


async def _changed(
    viewer: Viewer, working_group_id: str, values: Mapping[str, Any], call: Any, *args: Any
) -> Response:
    try:
        done = await attempt(viewer, call, viewer.svc, viewer.signed_in, working_group_id, *args)
    except UnitNotFound:
        errors = {"members": viewer._(UNKNOWN_UNIT)}
        return await _group_page(viewer, working_group_id, 404, values, errors)
    if isinstance(done, Refusal):
        return await _group_page(viewer, working_group_id, 409, values, refused=done.sentence)
    return RedirectResponse(f"/working-groups/{working_group_id}", status_code=303)


def _validated(model: type[BaseModel], data: dict[str, Any]) -> BaseModel | ValidationError:
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        return invalid


@router.post("/working-groups/{working_group_id}")
async def revise_group(viewer: SignedIn, working_group_id: str, form: CheckedForm) -> Response:
    values, data = _list_fields(form)
    body = _validated(WorkingGroupPatch, data)
    if isinstance(body, ValidationError):
        errors = field_errors(body, viewer._, FIELDS)
        return await _group_page(viewer, working_group_id, 422, values, errors)
    assert isinstance(body, WorkingGroupPatch)
    # The form shows the whole group: what it sends is the group as it should be.
    command = bodies.ReviseWorkingGroup(
        body.name,
        list(body.sectors or []),
        list(body.categories or []),
        None if body.members is None else list(body.members),
        body.lead_unit_id,
    )
    return await _changed(viewer, working_group_id, values, bodies.revise_working_group, command)


@router.post("/working-groups/{working_group_id}/dissolve")
async def dissolve_group(viewer: SignedIn, working_group_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, "reason")
    body = _validated(DissolveIn, typed(values))
    if isinstance(body, ValidationError):
        errors = field_errors(body, viewer._, ("reason",))
        return await _group_page(viewer, working_group_id, 422, values, errors)
    assert isinstance(body, DissolveIn)
    return await _changed(
        viewer, working_group_id, values, bodies.dissolve_working_group, body.reason
    )
