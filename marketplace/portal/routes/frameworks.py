"""`/frameworks`: framework agreements (paper section 4) — the list within the signed-in unit's
reach with the form that draws one up (framework_form.py), and an agreement's page with its
schedule and the forms its parties (and a mediator) use: sign, call off, close a period,
propose and answer amendments, decide an escalated price (the API's `/v1/frameworks` bodies
and handlers, refused as the API refuses)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError

from marketplace.api.framework_bodies import (
    AmendmentIn,
    CallOffIn,
    DecisionIn,
    FrameworkListItem,
    RejectIn,
)
from marketplace.api.schemas import PartyIn
from marketplace.handlers import framework_amendments as amendments
from marketplace.handlers import frameworks
from marketplace.portal import framework_form, framework_page
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
STATUSES = ("awaiting_signatures", "active", "completed")
AMENDMENT_FIELDS = ("period", "quantity", "unit_price", "reason", "party_unit_id")


@router.get("/frameworks")
async def frameworks_list(viewer: SignedIn, request: Request) -> Response:
    return await _list(viewer, query(request, "status"), query(request, "cursor"))


async def _list(
    viewer: Viewer,
    status: str | None,
    cursor: str | None = None,
    code: int = 200,
    drawing: framework_form.Drawing | None = None,
) -> Response:
    """The list page; `drawing`: the draw-up form as typed, with its errors or refusal."""
    if status not in (None, *STATUSES):
        status = None
    page = PageRequest(limit=PAGE, cursor=cursor)
    found = await frameworks.frameworks(
        viewer.svc, viewer.signed_in, viewer.runtime, None, status, page
    )
    return viewer.render(
        "frameworks/list.html",
        code,
        items=[FrameworkListItem.of(r) for r in found.items],
        next_cursor=found.next_cursor,
        chosen=status,
        statuses=[(s, framework_page.word(s, viewer._)) for s in STATUSES],
        word=lambda code: framework_page.word(code, viewer._),
        drawing=drawing or framework_form.blank(viewer),
        may_draw_up=framework_form.may_draw_up(viewer.signed_in),
    )


@router.post("/frameworks")
async def draw_up(viewer: SignedIn, form: CheckedForm) -> Response:
    """Draw up an agreement: the API's `FrameworkIn` from the form (the schedule one line per
    period), then its handler; refused: the list again with the form as typed."""
    values = text_fields(form, *framework_form.FIELDS)
    body, errors = framework_form.parse(values, viewer._)
    if body is None:
        return await _list(viewer, None, code=422, drawing=framework_form.Drawing(values, errors))
    done = await framework_form.attempt_draw_up(viewer, body, values)
    if isinstance(done, framework_form.Drawing):
        return await _list(viewer, None, code=done.status, drawing=done)
    return RedirectResponse(f"/frameworks/{done.id}", status_code=303)


@router.get("/frameworks/{framework_id}")
async def framework(viewer: SignedIn, framework_id: str) -> Response:
    return await framework_page.render(viewer, framework_id)


async def _act(
    viewer: Viewer,
    framework_id: str,
    form_name: str,
    model: type[BaseModel],
    values: dict[str, str],
    call: Callable[[BaseModel], Any],
    fields: tuple[str, ...] = (),
) -> Response:
    """Validate the form by the API's body `model`, then `call` the handler with it; refused:
    the page again with the form as typed (422 field errors, 409 the rule as a sentence)."""
    try:
        body = model.model_validate(typed(values))
    except ValidationError as invalid:
        errors = field_errors(invalid, viewer._, fields)
        return await framework_page.render(
            viewer, framework_id, 422, values, errors, form=form_name
        )
    done = await attempt(viewer, call, body)
    if isinstance(done, Refusal):
        return await framework_page.render(
            viewer, framework_id, 409, values, refused=done.sentence, form=form_name
        )
    return RedirectResponse(f"/frameworks/{framework_id}", status_code=303)


@router.post("/frameworks/{framework_id}/sign")
async def sign(viewer: SignedIn, framework_id: str, form: CheckedForm) -> Response:
    def call(body: Any) -> Any:
        return frameworks.sign(viewer.svc, viewer.signed_in, framework_id, body.party_unit_id)

    values = text_fields(form, "party_unit_id")
    return await _act(viewer, framework_id, "sign", PartyIn, values, call)


@router.post("/frameworks/{framework_id}/call-offs")
async def call_off(viewer: SignedIn, framework_id: str, form: CheckedForm) -> Response:
    def call(body: Any) -> Any:
        return frameworks.call_off(
            viewer.svc, viewer.signed_in, framework_id, body.period, body.quantity
        )

    values = text_fields(form, "period", "quantity")
    fields = ("period", "quantity")
    return await _act(viewer, framework_id, "call-off", CallOffIn, values, call, fields)


@router.post("/frameworks/{framework_id}/periods/{period}/close")
async def close(viewer: SignedIn, framework_id: str, period: str, form: CheckedForm) -> Response:
    def call(_: Any) -> Any:
        return frameworks.close_period(viewer.svc, viewer.signed_in, framework_id, period)

    return await _act(viewer, framework_id, f"close-{period}", PartyIn, {}, call)


@router.post("/frameworks/{framework_id}/amendments")
async def propose(viewer: SignedIn, framework_id: str, form: CheckedForm) -> Response:
    def call(body: Any) -> Any:
        return amendments.propose(
            viewer.svc, viewer.signed_in, framework_id, body.period, body.quantity,
            body.unit_price, body.reason, body.party_unit_id,
        )  # fmt: skip

    values = text_fields(form, *AMENDMENT_FIELDS)
    return await _act(viewer, framework_id, "propose", AmendmentIn, values, call, AMENDMENT_FIELDS)


@router.post("/frameworks/{framework_id}/amendments/{number}/accept")
async def accept(viewer: SignedIn, framework_id: str, number: int, form: CheckedForm) -> Response:
    def call(body: Any) -> Any:
        return amendments.accept(
            viewer.svc, viewer.signed_in, framework_id, number, body.party_unit_id
        )

    values = text_fields(form, "party_unit_id")
    return await _act(viewer, framework_id, f"answer-{number}", PartyIn, values, call)


@router.post("/frameworks/{framework_id}/amendments/{number}/reject")
async def reject(viewer: SignedIn, framework_id: str, number: int, form: CheckedForm) -> Response:
    def call(body: Any) -> Any:
        return amendments.reject(
            viewer.svc, viewer.signed_in, framework_id, number, body.reason, body.party_unit_id
        )

    values = text_fields(form, "reason", "party_unit_id")
    name = f"answer-{number}"
    return await _act(viewer, framework_id, name, RejectIn, values, call, ("reason",))


@router.post("/frameworks/{framework_id}/amendments/{number}/escalate")
async def escalate(viewer: SignedIn, framework_id: str, number: int, form: CheckedForm) -> Response:
    def call(body: Any) -> Any:
        return amendments.escalate(
            viewer.svc, viewer.signed_in, framework_id, number, body.party_unit_id
        )

    values = text_fields(form, "party_unit_id")
    return await _act(viewer, framework_id, f"answer-{number}", PartyIn, values, call)


@router.post("/frameworks/{framework_id}/amendments/{number}/decision")
async def decide(viewer: SignedIn, framework_id: str, number: int, form: CheckedForm) -> Response:
    def call(body: Any) -> Any:
        return amendments.decide(
            viewer.svc, viewer.signed_in, framework_id, number, body.unit_price
        )

    values = text_fields(form, "unit_price")
    name = f"decide-{number}"
    return await _act(viewer, framework_id, name, DecisionIn, values, call, ("unit_price",))
