"""`/joint-procurements`: joint procurement (paper 1.2.1) — the pools within the signed-in
unit's reach and opening one (a platform admin, HQ); a pool's page with its shares, joining and
withdrawing, the lead's launch, its need and each member's contract, and what pooling saves
(the API's `/v1/joint-procurements` bodies and handlers)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from marketplace.aggregates.access_token import Role
from marketplace.aggregates.organisation import UnitNotFound
from marketplace.api.routes.joint_procurements import (
    LaunchIn,
    PoolIn,
    PoolListItem,
    PoolOut,
    ShareIn,
)
from marketplace.api.schemas import ReasonIn
from marketplace.handlers import joint_procurement as pools
from marketplace.handlers.auth import acts_for
from marketplace.handlers.errors import Forbidden, InvalidField
from marketplace.handlers.organisation import chart
from marketplace.portal.i18n import N_
from marketplace.portal.need_page import moment, typed
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
from marketplace.portal.wording import FIELD_ERRORS, validated
from marketplace.projections.pages import PageRequest

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE = 20
OPEN_FIELDS = ("item_code", "uom", "title", "join_until", "required_by")
SHARE_FIELDS = ("unit_id", "quantity", "budget_amount")
LAUNCH_FIELDS = ("sourcing", "required_by")
CANCEL_FIELDS = ("reason",)
UNKNOWN_UNIT = N_("No unit has this id.")
NOT_YOURS = N_("Your token cannot act for that unit, or it is outside the lead's reach.")
NOT_IN_CATALOG = N_("The item is not in the catalog in force; ask HQ to list it first.")
STATUS_WORDS = {
    "open": N_("open"),
    "launched": N_("launched"),
    "awarded": N_("awarded"),
    "cancelled": N_("called off"),
}
SOURCING_WORDS = {"direct": N_("direct award"), "tender": N_("tender")}


def _word(viewer: Viewer, code: str | None) -> str:
    known = STATUS_WORDS.get(code or "") or SOURCING_WORDS.get(code or "")
    return viewer._(known) if known else code or ""


def _may_open(viewer: Viewer) -> bool:
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
    found = await pools.pools(viewer.svc, viewer.signed_in, viewer.runtime, None, None, page)
    return viewer.render(
        "joint_procurements/list.html",
        status,
        items=[PoolListItem.of(row) for row in found.items],
        next_cursor=found.next_cursor,
        may_open=_may_open(viewer),
        values=values or {},
        errors=errors or {},
        refused=refused,
        word=lambda code: _word(viewer, code),
    )


@router.get("/joint-procurements")
async def pools_list(viewer: SignedIn, request: Request) -> Response:
    return await _list(viewer, request)


@router.post("/joint-procurements")
async def open_pool(viewer: SignedIn, request: Request, form: CheckedForm) -> Response:
    values = text_fields(form, *OPEN_FIELDS)
    data: dict[str, Any] = typed(values)
    if "join_until" in data:
        data["join_until"] = moment(data["join_until"], viewer)
    body = validated(PoolIn, data, viewer._, OPEN_FIELDS)
    if isinstance(body, dict):
        return await _list(viewer, request, values, body, status=422)
    try:
        made = await attempt(viewer, pools.open_pool, viewer.svc, viewer.signed_in, body.command())
    except InvalidField:  # no category given, and the catalog in force does not list the item
        errors = {"item_code": viewer._(NOT_IN_CATALOG)}
        return await _list(viewer, request, values, errors, status=422)
    if isinstance(made, Refusal):
        return await _list(viewer, request, values, refused=made.sentence, status=409)
    return RedirectResponse(f"/joint-procurements/{made.id}", status_code=303)


async def _page(
    viewer: Viewer,
    pool_id: str,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    principal = viewer.signed_in
    view = await run_in_threadpool(pools.read_pool, viewer.svc, principal, pool_id)
    shown = PoolOut.of(view, viewer.svc.clock())
    org = chart(viewer.svc)
    mine = [s.unit_id for s in shown.shares if acts_for(principal, s.unit_id, org)]
    acts = principal.has(Role.UNIT_OPERATOR, Role.PLATFORM_ADMIN, Role.HQ_ADMIN)
    joining = {"unit_id": principal.unit_id or ""} if principal.has(Role.UNIT_OPERATOR) else {}
    return viewer.render(
        "joint_procurements/detail.html",
        status,
        pool=shown,
        may_join=acts and shown.joining_open,
        may_withdraw=shown.status == "open" and mine,
        may_launch=view.may_lead and shown.status == "open",
        values=values if values is not None else joining,
        errors=errors or {},
        refused=refused,
        form=form,
        word=lambda code: _word(viewer, code),
    )


@router.get("/joint-procurements/{pool_id}")
async def pool_page(viewer: SignedIn, pool_id: str) -> Response:
    return await _page(viewer, pool_id)


@router.post("/joint-procurements/{pool_id}/shares")
async def join(viewer: SignedIn, pool_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *SHARE_FIELDS)
    body = validated(ShareIn, typed(values), viewer._, SHARE_FIELDS)
    if isinstance(body, dict):
        return await _page(viewer, pool_id, 422, values, body, form="join")
    try:
        done = await attempt(
            viewer, pools.join, viewer.svc, viewer.signed_in, pool_id, body.unit_id,
            body.quantity, body.budget_amount,
        )  # fmt: skip
    except UnitNotFound:
        errors = {"unit_id": viewer._(UNKNOWN_UNIT)}
        return await _page(viewer, pool_id, 404, values, errors, form="join")
    except Forbidden:
        refused = viewer._(NOT_YOURS)
        return await _page(viewer, pool_id, 403, values, refused=refused, form="join")
    if isinstance(done, Refusal):
        return await _page(viewer, pool_id, 409, values, refused=done.sentence, form="join")
    return RedirectResponse(f"/joint-procurements/{pool_id}", status_code=303)


@router.post("/joint-procurements/{pool_id}/shares/{unit_id}/withdraw")
async def withdraw(viewer: SignedIn, pool_id: str, unit_id: str, form: CheckedForm) -> Response:
    done = await attempt(viewer, pools.withdraw, viewer.svc, viewer.signed_in, pool_id, unit_id)
    if isinstance(done, Refusal):
        return await _page(viewer, pool_id, 409, refused=done.sentence, form="withdraw")
    return RedirectResponse(f"/joint-procurements/{pool_id}", status_code=303)


@router.post("/joint-procurements/{pool_id}/launch")
async def launch(viewer: SignedIn, pool_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *LAUNCH_FIELDS)
    body = validated(LaunchIn, typed(values), viewer._, LAUNCH_FIELDS)
    if isinstance(body, dict):
        return await _page(viewer, pool_id, 422, values, body, form="launch")
    try:
        done = await attempt(
            viewer, pools.launch, viewer.svc, viewer.signed_in, pool_id, body.sourcing,
            body.required_by,
        )  # fmt: skip
    except InvalidField:  # neither the pool nor the form names the day
        errors = {"required_by": viewer._(FIELD_ERRORS["missing"])}
        return await _page(viewer, pool_id, 422, values, errors, form="launch")
    if isinstance(done, Refusal):
        return await _page(viewer, pool_id, 409, values, refused=done.sentence, form="launch")
    return RedirectResponse(f"/joint-procurements/{pool_id}", status_code=303)


@router.post("/joint-procurements/{pool_id}/cancel")
async def cancel(viewer: SignedIn, pool_id: str, form: CheckedForm) -> Response:
    values = text_fields(form, *CANCEL_FIELDS)
    body = validated(ReasonIn, typed(values), viewer._, CANCEL_FIELDS)
    if isinstance(body, dict):
        return await _page(viewer, pool_id, 422, values, body, form="cancel")
    done = await attempt(viewer, pools.cancel, viewer.svc, viewer.signed_in, pool_id, body.reason)
    if isinstance(done, Refusal):
        return await _page(viewer, pool_id, 409, values, refused=done.sentence, form="cancel")
    return RedirectResponse(f"/joint-procurements/{pool_id}", status_code=303)
