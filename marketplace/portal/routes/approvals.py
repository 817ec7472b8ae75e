"""`/approvals`: an administrator's desk of requests to buy outside the group, its subtree's
(HQ: all) from the external-sourcing list, approved or rejected with a reason by the API's own
`POST /v1/external-sourcing/{id}/approve|reject` handler and body."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from marketplace.aggregates.access_token import Role
from marketplace.api.schemas import ReasonIn
from marketplace.handlers import external_sourcing, lists
from marketplace.handlers.errors import Forbidden
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
STATUSES = ("requested", "approved", "rejected", "used")
ALL = "all"
REASON = ("reason",)


def _desk_of(viewer: Viewer) -> None:
    """The desk is for those who decide: a unit's platform admins and HQ (the nav's audience);
    which requests each may decide stays the handler's rule."""
    if not viewer.signed_in.has(Role.PLATFORM_ADMIN, Role.HQ_ADMIN):
        raise Forbidden("The approvals desk is for platform administrators and HQ.")


def _status(request: Request) -> str:
    chosen = query(request, "status")
    return chosen if chosen in (*STATUSES, ALL) else "requested"


async def _render(
    viewer: Viewer,
    request: Request,
    status: int = 200,
    *,
    chosen: str = "requested",
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: str | None = None,
    form: str | None = None,
) -> Response:
    page = PageRequest(limit=PAGE, cursor=query(request, "cursor"))
    wanted = None if chosen == ALL else chosen
    found = await lists.external_sourcing_requests(
        viewer.svc, viewer.signed_in, viewer.runtime, None, wanted, page
    )
    return viewer.render(
        "approvals/index.html",
        status,
        found=found,
        chosen=chosen,
        statuses=(*STATUSES, ALL),
        values=values or {},
        errors=errors or {},
        refused=refused,
        form=form,
    )


@router.get("/approvals")
async def approvals(viewer: SignedIn, request: Request) -> Response:
    _desk_of(viewer)
    return await _render(viewer, request, chosen=_status(request))


@router.post("/approvals/{request_id}/approve")
async def approve(viewer: SignedIn, request: Request, request_id: str, _: CheckedForm) -> Response:
    _desk_of(viewer)
    done = await attempt(
        viewer, external_sourcing.decide_external, viewer.svc, viewer.signed_in, request_id,
        True, None,
    )  # fmt: skip
    if isinstance(done, Refusal):
        return await _render(viewer, request, 409, refused=done.sentence, form=request_id)
    return RedirectResponse("/approvals", status_code=303)


@router.post("/approvals/{request_id}/reject")
async def reject(
    viewer: SignedIn, request: Request, request_id: str, form: CheckedForm
) -> Response:
    _desk_of(viewer)
    values = text_fields(form, *REASON)
    try:
        body = ReasonIn.model_validate(typed(values))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, REASON)
        return await _render(viewer, request, 422, values=values, errors=errors, form=request_id)
    done = await attempt(
        viewer, external_sourcing.decide_external, viewer.svc, viewer.signed_in, request_id,
        False, body.reason,
    )  # fmt: skip
    if isinstance(done, Refusal):
        return await _render(
            viewer, request, 409, values=values, refused=done.sentence, form=request_id
        )
    return RedirectResponse("/approvals", status_code=303)
